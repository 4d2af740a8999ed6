"""The sync engine: one decoded SyncML message in, its reply out.

The engine is synchronous and I/O-agnostic: it reads and writes through the store interface and
gets the clock, token source and settings from an ``EngineContext``; it never sees HTTP or SQL.
"""

from syncmld.engine.api import (
    EngineContext,
    EngineSettings,
    Outcome,
    Request,
    SyncSummary,
)
from syncmld.engine.dispatch import handle_message, session_account, session_exists

__all__ = [
    "EngineContext",
    "EngineSettings",
    "Outcome",
    "Request",
    "SyncSummary",
    "handle_message",
    "session_account",
    "session_exists",
]
