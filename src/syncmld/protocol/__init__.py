"""SyncML wire format, sans-IO: bytes in, typed frozen messages out, and back."""
