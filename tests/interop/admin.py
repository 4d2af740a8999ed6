"""The administrator's side of a running test server: ``syncmld`` commands on its data directory,
and what it logged since a given point."""

from .server import SyncmldServer, syncmld


def admin(server: SyncmldServer, *args: str) -> str:
    """Run ``syncmld ARGS --data-dir DIR`` on the server's data; its output (RuntimeError if it fails)."""
    done = syncmld(*args, "--data-dir", str(server.data_dir))
    if done.returncode != 0:
        raise RuntimeError(f"syncmld {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def log_mark(server: SyncmldServer) -> int:
    """Where the server log ends now; ``log_since`` reads what comes after it."""
    return server.log_path.stat().st_size if server.log_path.exists() else 0


def log_since(server: SyncmldServer, mark: int) -> str:
    """What the server logged after ``mark`` (from ``log_mark``)."""
    with server.log_path.open("rb") as log:
        log.seek(mark)
        return log.read().decode(errors="replace")
