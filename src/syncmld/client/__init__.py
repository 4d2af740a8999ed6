"""A SyncML client of our own: scripted devices for tests, and the load generator's devices."""

from syncmld.client.device import Device, SyncReport, Transport

__all__ = ["Device", "SyncReport", "Transport"]
