"""Fixtures the server tests share with the engine's."""

from tests.engine.conftest import sql_store

__all__ = ["sql_store"]
