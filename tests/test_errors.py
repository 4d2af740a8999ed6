"""One error tree: every error syncmld defines is a SyncMLError, a RemoteError when the sender of what we
read is at fault (a 4xx status) or a LocalError when we are (5xx), so the server and the command line
catch ours by the tree. The only other exception classes are four signals that never leave their block:
a conversion deferred until the store transaction is closed, the scripted client's stop, the end of a
dry run's transaction, and expat stopped at a document the plain XML reader leaves to lxml."""

import importlib
import pkgutil
from collections.abc import Iterator

import syncmld
from syncmld.errors import LocalError, RemoteError, SyncMLError

SIGNALS = frozenset(
    {
        "syncmld.engine.content_work.Deferred",
        "syncmld.client.device._Stopped",
        "syncmld.history.dry_run._RollBack",
        "syncmld.protocol.plain_xml._Refused",
    }
)
OUR_CLIENTS = frozenset({"syncmld.client.http.TransportError", "syncmld.load.devices.SyncFailed"})
"""Errors of our own client and load generator: the server they talk to is at fault, not we, nor a device."""


def defined_exceptions() -> Iterator[tuple[str, type[BaseException]]]:
    """(qualified name, class) of every exception class a syncmld module defines."""
    for found in pkgutil.walk_packages(syncmld.__path__, "syncmld."):
        if found.name == "syncmld.__main__" or ".migrations" in found.name:
            continue
        module = importlib.import_module(found.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == found.name:
                yield f"{found.name}.{value.__qualname__}", value


def test_every_error_we_define_is_in_the_tree() -> None:
    defined = dict(defined_exceptions())
    assert len(defined) > 15
    assert sorted(name for name, kind in defined.items() if not issubclass(kind, SyncMLError)) == sorted(SIGNALS)
    for name, kind in defined.items():
        if issubclass(kind, SyncMLError) and name not in OUR_CLIENTS and kind is not SyncMLError:
            assert issubclass(kind, RemoteError | LocalError), name
            assert 400 <= kind.status < 500 if issubclass(kind, RemoteError) else 500 <= kind.status < 600, name
