"""This server process as the store's leases name it (push deliveries, mailbox watches, upstream syncs)."""

import os
import socket


def worker_name() -> str:
    """``HOST:PID``: which process holds a lease, whichever host of a shared database it runs on."""
    return f"{socket.gethostname()}:{os.getpid()}"
