"""syncmld: a SyncML (OMA Data Synchronization) server."""

__version__ = "0.1.0"
