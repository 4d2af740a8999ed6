#!/usr/bin/env python3
"""Kill test: SyncEvolution devices of one account sync in a loop while the server is killed.

Each device owns its own generated contacts and edits them between its syncs (rename, delete, add).
A killer thread SIGKILLs ``syncmld serve`` after a random delay of about one sync's duration and
restarts it at once on the same port and data directory; a sync that fails because of that is
simply tried again later, as a user would. Once at least ``--syncs`` syncs and ``--min-kills``
kills are done, the killing stops and every device syncs until nothing moves. Then:

* after every successful sync, the server held that device's own contacts exactly as the device had
  them, once each, and none of their earlier versions (what a client saw acknowledged is kept); a
  contact the device deleted is gone after a two-way sync (a slow sync carries no deletes: a deleted
  contact it keeps is expected everywhere from then on, see tests/robustness/own_contacts.py);
* at the end the server and every device hold all devices' contacts, each once;
* a slow sync of every device changes nothing on any side.

Usage: scripts/kill_test.py [--syncs N] [--min-kills K] [--devices D] [--contacts C] [--seed S]
[--work-dir DIR] [--trace]. Progress goes to stdout, the last line is a JSON summary; exit status 0 when
every check held, 1 when one failed (with the seed to run it again), 2 when it could not run.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from subprocess import TimeoutExpired

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.interop.client import Device, SyncResult  # noqa: E402
from tests.interop.server import SyncmldServer  # noqa: E402
from tests.interop.sides import device_contacts, server_contacts  # noqa: E402
from tests.robustness.own_contacts import Owner, missing_or_doubled  # noqa: E402

ACCOUNT = ("kill@example.com", "kill-secret")
RESEND_INTERVAL_S = 2
RESEND_DURATION_S = 20
EDIT_PROBABILITY = 0.7
LOG_POLL_S = 0.002
MESSAGE_LOGGERS = ("syncmld.engine", "syncmld.server.app")
"""The server's loggers that write while a message is handled or right after."""


class CheckFailed(AssertionError):
    """What the server or a device holds breaks one of the rules."""


@dataclass(frozen=True)
class Settings:
    syncs: int
    min_kills: int
    devices: int
    contacts: int
    seed: int
    work_dir: Path
    trace: bool


class Killer(threading.Thread):
    """SIGKILLs the server at random moments and restarts it straight away, until stopped.

    After a random delay of up to ``longest_delay_s``, half of the kills strike at once; the other
    half wait for the next line the server logs (it logs while it handles a message's alerts, once
    it has answered a message, and once a sync is done) and strike right then, so that they hit a
    session in the middle: a message half applied, or its reply stored but perhaps not yet sent.
    """

    def __init__(self, server: SyncmldServer, rng: random.Random, longest_delay_s: float, log: Callable[[str], None]):
        super().__init__(name="killer", daemon=True)
        self.server = server
        self.rng = rng
        self.longest_delay_s = longest_delay_s
        self.log = log
        self.kills = 0
        self.error: Exception | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.rng.uniform(0.05, self.longest_delay_s)):
                moment = "at a random moment"
                if self.rng.random() < 0.5:
                    line = self._next_log_line()
                    if line is None:
                        continue
                    moment = f"right after the server logged: {line}"
                self.server.kill()
                self.kills += 1
                self.log(f"kill {self.kills} {moment}")
                self.server.start()
        except Exception as error:
            self.error = error

    def _next_log_line(self) -> str | None:
        """The next line the server logs about a message, without its time stamp; None if stopped or
        none came in time."""
        log_path = self.server.log_path
        mark = log_path.stat().st_size
        deadline = time.monotonic() + 3 * self.longest_delay_s
        while not self._stopping.is_set() and time.monotonic() < deadline:
            with log_path.open("rb") as log:
                log.seek(mark)
                lines = log.read().decode(errors="replace").split("\n")[:-1]
            for line in lines:
                if any(f" {logger}: " in line for logger in MESSAGE_LOGGERS):
                    return line.split(": ", 1)[-1][:110]
                mark += len(line.encode()) + 1
            time.sleep(LOG_POLL_S)
        return None

    def stop(self) -> None:
        self._stopping.set()
        self.join()
        if self.error is not None:
            raise RuntimeError(f"restarting the server failed: {self.error}")


class KillTest:
    def __init__(self, settings: Settings, interop_dir: Path) -> None:
        self.settings = settings
        self.started = time.monotonic()
        self.server = SyncmldServer(settings.work_dir / "data")
        self.rng = random.Random(settings.seed)
        self.owners = [
            Owner(self._device(interop_dir, index), index, random.Random(self.rng.getrandbits(64)))
            for index in range(settings.devices)
        ]
        self.syncs = 0
        self.failed: list[SyncResult] = []
        self.resend = ("--retry-interval", str(RESEND_INTERVAL_S), "--retry-duration", str(RESEND_DURATION_S))
        self.trace = ("--loglevel", "4", "--set", "maxlogdirs=0") if settings.trace else ()
        """Clients write every message into their session logs and keep all of them."""

    def _device(self, interop_dir: Path, index: int) -> Device:
        """Devices alternate XML and WBXML."""
        email, password = ACCOUNT
        return Device(
            interop_dir,
            self.settings.work_dir / "se",
            f"k{index}",
            self.server.url,
            email,
            password,
            wbxml=str(index % 2),
        )

    def log(self, line: str) -> None:
        """A progress line with the wall-clock time, to be read beside the server's and the clients' logs."""
        now = time.time()
        clock = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
        print(f"[{clock} {time.monotonic() - self.started:6.1f}s] {line}", flush=True)

    def sync(self, owner: Owner, mode: str = "two-way") -> SyncResult | None:
        """One sync; None if the client did not finish in time. The first device, like many phones,
        never resends a message that got no answer; the others resend it every few seconds."""
        options = self.trace + (self.resend if owner.index else ())
        try:
            result = owner.device.sync(mode, *options)
        except TimeoutExpired:
            self.log(f"{owner.device.name} {mode}: the client did not finish")
            return None
        self.syncs += 1
        counts = f"client {result.client} server {result.server}"
        self.log(f"{owner.device.name} {mode} -> {result.mode} ok={result.ok} {counts} {result.error}".rstrip())
        if not result.ok:
            self.failed.append(result)
        return result

    def check_acknowledged(self, owner: Owner, result: SyncResult) -> None:
        """After a successful sync: the server holds the device's contacts as it acknowledged them."""
        wrong = owner.check_acknowledged(result.mode, server_contacts(self.server.data_dir, ACCOUNT[0]))
        if wrong:
            raise CheckFailed(f"after a successful {result.mode} sync of {owner.device.name}, {wrong}")

    def first_syncs(self) -> float:
        """Every device sends its contacts (no killing yet); the median duration of these syncs."""
        durations = []
        for owner in self.owners:
            owner.create(self.settings.contacts)
            result = self.sync(owner)
            if result is None or not result.ok:
                raise RuntimeError(f"first sync of {owner.device.name} failed: {result and result.describe()}")
            self.check_acknowledged(owner, result)
            durations.append(float(result.summary["duration_s"]))
        return statistics.median(durations)

    def sync_under_fire(self, sync_duration_s: float) -> int:
        """Random edits and syncs while the server is killed; the number of kills."""
        killer = Killer(self.server, random.Random(self.rng.getrandbits(64)), 1.5 * sync_duration_s, self.log)
        killer.start()
        try:
            attempts = 0
            while (attempts < self.settings.syncs or killer.kills < self.settings.min_kills) and killer.is_alive():
                attempts += 1
                owner = self.rng.choice(self.owners)
                if self.rng.random() < EDIT_PROBABILITY:
                    self.log(f"{owner.device.name} edits: {owner.edit(f'edit {attempts}')}")
                result = self.sync(owner)
                if result is not None and result.ok:
                    self.check_acknowledged(owner, result)
        finally:
            killer.stop()
        if not self.server.running:
            self.server.start()
        return killer.kills

    def settle(self) -> None:
        """Without kills: sync every device until nothing moves, then compare every side."""
        for catch_up in (1, 2, 3):
            moved = 0
            for owner in self.owners:
                result = self.sync(owner)
                if result is None or not result.ok:
                    raise CheckFailed(f"a sync without kills failed: {result and result.describe()}")
                self.check_acknowledged(owner, result)
                moved += result.client.moved + result.server.moved
            if not moved:
                break
            if catch_up == 3:
                raise CheckFailed("devices still exchange changes after two rounds of catching up")
        self.check_converged("after the last two-way syncs")
        for owner in self.owners:
            result = self.sync(owner, "slow")
            if result is None or not result.ok:
                raise CheckFailed(f"a slow sync without kills failed: {result and result.describe()}")
        self.check_converged("after a slow sync of every device")

    def check_converged(self, when: str) -> None:
        everything = [vcard for owner in self.owners for vcard in owner.expected()]
        sides = {"server": server_contacts(self.server.data_dir, ACCOUNT[0])}
        sides |= {owner.device.name: device_contacts(owner.device) for owner in self.owners}
        for side, held in sides.items():
            wrong = missing_or_doubled(everything, held)
            extra = len(held) - len(everything)
            if wrong or extra:
                raise CheckFailed(f"{when}, {side} holds {len(held)} contacts, {len(everything)} expected. {wrong}")
        retired = sum(len(owner.retired) for owner in self.owners)
        restored = sum(len(owner.restored) for owner in self.owners)
        self.log(
            f"{when}: server and {len(self.owners)} devices hold the same {len(everything)} contacts "
            f"({retired} earlier versions gone, {restored} deleted ones kept by slow syncs)"
        )

    def run(self) -> dict[str, object]:
        email, password = ACCOUNT
        self.server.start()
        try:
            self.server.add_account(email, password)
            duration = self.first_syncs()
            kills = self.sync_under_fire(duration)
            self.settle()
        finally:
            self.server.stop()
        return {"syncs": self.syncs, "kills": kills, "failed_syncs": len(self.failed)}


def parse_settings(argv: list[str]) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--syncs", type=int, default=200, help="syncs while the server is killed (default 200)")
    parser.add_argument("--min-kills", type=int, default=20, help="kills at least (default 20)")
    parser.add_argument("--devices", type=int, default=3, help="devices of the account (default 3)")
    parser.add_argument("--contacts", type=int, default=30, help="contacts each device starts with (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the edits, choices and delays")
    parser.add_argument("--work-dir", type=Path, default=None, help="server data and device state (default: new)")
    parser.add_argument("--trace", action="store_true", help="clients log every message and keep every session log")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="syncmld-kill-"))
    return Settings(args.syncs, args.min_kills, args.devices, args.contacts, seed, work_dir, args.trace)


def main(argv: list[str]) -> int:
    settings = parse_settings(argv)
    interop_dir = REPO.parent / "shared" / "interop"
    test = KillTest(settings, interop_dir)
    test.log(f"seed {settings.seed}, work dir {settings.work_dir}")
    summary: dict[str, object] = {"seed": settings.seed, "work_dir": str(settings.work_dir)}
    try:
        summary |= test.run()
    except CheckFailed as failure:
        test.log(f"FAILED (seed {settings.seed}): {failure}")
        for result in test.failed[-5:]:
            test.log(f"an earlier failed sync: {result.describe()}")
        test.log(f"server log {test.server.log_path}, last lines:\n{test.server.log_tail()}")
        print(json.dumps({**summary, "ok": False, "syncs": test.syncs, "error": str(failure)}), flush=True)
        return 1
    except (RuntimeError, OSError) as error:
        test.log(f"could not run (seed {settings.seed}): {error}")
        print(json.dumps({**summary, "ok": False, "error": str(error)}), flush=True)
        return 2
    print(json.dumps({**summary, "ok": True}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
