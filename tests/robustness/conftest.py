"""The SyncEvolution end-to-end fixtures (a server per module, accounts and devices per test)."""

from tests.interop.conftest import device, interop_dir, login, server, wire

__all__ = ["device", "interop_dir", "login", "server", "wire"]
