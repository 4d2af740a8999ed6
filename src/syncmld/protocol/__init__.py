"""SyncML wire format, sans-IO: bytes in, typed read-only messages out, and back."""
