"""The ways a recorded session departs from what a plain SyncML client sends, found in its messages and
in what the replay had to do: the quirks syncmld handled (or met) in that session."""

import re
from collections.abc import Callable

from syncmld.protocol.codec import Encoding
from syncmld.protocol.constants import AUTH_MD5, FORMAT_B64, AlertCode
from syncmld.protocol.messages import Add, Alert, Command, Item, Put, Replace, Results, Sync, SyncML
from syncmld.protocol.wbxml import read_header

from .harness import SessionRun
from .player import SKIPPED
from .recordings import Recorded

_METINF_CHILD = re.compile(rb"<(?:Type|Format|MaxMsgSize|Anchor)>")


def _xml(run: SessionRun) -> list[bytes]:
    return [message.body for message in run.plan.messages if message.encoding is Encoding.XML]


def _messages(run: SessionRun) -> list[SyncML]:
    return [message.message for message in run.plan.messages]


def _commands(run: SessionRun) -> list[Command]:
    found: list[Command] = []
    for message in _messages(run):
        for command in message.commands:
            found.append(command)
            if isinstance(command, Sync):
                found += command.commands
    return found


def _items(run: SessionRun) -> list[tuple[Add | Replace, Item]]:
    return [
        (command, item) for command in _commands(run) if isinstance(command, Add | Replace) for item in command.items
    ]


def _first(run: SessionRun) -> Recorded:
    return run.plan.messages[0]


def _no_cred_first(run: SessionRun) -> bool:
    first = _first(run).message
    return first.header.cred is None and any(isinstance(command, Alert | Put) for command in first.commands)


def _md5(run: SessionRun) -> bool:
    cred = _first(run).message.header.cred
    return cred is not None and cred.meta is not None and (cred.meta.type or "").lower() == AUTH_MD5


def _cred_without_format(run: SessionRun) -> bool:
    cred = _first(run).message.header.cred
    return cred is not None and (cred.meta is None or cred.meta.format is None)


def _first_sync_two_way(run: SessionRun) -> bool:
    return any(
        folder.asked == AlertCode.TWO_WAY and folder.alert_status == 508 for folder in run.result.folders.values()
    )


def _replace_in_slow_sync(run: SessionRun) -> bool:
    return any(exchange.statuses.count(("Replace", 201)) for exchange in run.result.exchanges) and any(
        folder.mode == "slow" for folder in run.result.folders.values()
    )


def _no_namespace(run: SessionRun) -> bool:
    return any(re.search(rb"<SyncML\s*>", body) for body in _xml(run))


def _lower_case_namespace(run: SessionRun) -> bool:
    return any(
        re.search(rb"xmlns=[\"']syncml:syncml1\.\d", body, re.I) and b"SYNCML:SYNCML" not in body for body in _xml(run)
    )


def _metinf_without_namespace(run: SessionRun) -> bool:
    return any(_METINF_CHILD.search(body) for body in _xml(run))


def _wrong_version_namespace(run: SessionRun) -> bool:
    return any(b"SYNCML1.1" in body.upper() and b"<VerDTD>1.2</VerDTD>" in body for body in _xml(run))


def _doctype(run: SessionRun) -> bool:
    return any(b"<!DOCTYPE" in body for body in _xml(run))


def _cdata(run: SessionRun) -> bool:
    return any(b"<![CDATA[" in body for body in _xml(run))


def _meta(command: Add | Replace, item: Item, name: str) -> str | None:
    for meta in (item.meta, command.meta):
        value = getattr(meta, name) if meta is not None else None
        if value:
            return str(value)
    return None


def _base64_items(run: SessionRun) -> bool:
    return any(_meta(command, item, "format") == FORMAT_B64 for command, item in _items(run))


def _calendar_type_for_vcalendar(run: SessionRun) -> bool:
    return any(
        _meta(command, item, "type") == "text/calendar" and isinstance(item.data, bytes) and b"VERSION:1.0" in item.data
        for command, item in _items(run)
    )


def _skipped_alert_222(run: SessionRun) -> bool:
    return any(SKIPPED in what for what in run.result.synthesized)


def _split_changes(run: SessionRun) -> bool:
    return any(
        not message.final and any(isinstance(command, Sync) for command in message.commands)
        for message in _messages(run)
    )


def _large_object(run: SessionRun) -> bool:
    return any(item.more_data for _, item in _items(run))


def _literal_fpi(run: SessionRun) -> bool:
    return any(
        message.encoding is Encoding.WBXML and isinstance(read_header(message.body).public_id, str)
        for message in run.plan.messages
    )


def _nested_wbxml_devinf(run: SessionRun) -> bool:
    return any(message.encoding is Encoding.WBXML and message.devinf is not None for message in run.plan.messages)


def _devinf_as_results(run: SessionRun) -> bool:
    return any(
        isinstance(command, Results) and message.devinf is not None
        for message in run.plan.messages
        for command in message.message.commands
    )


def _devinf_only(run: SessionRun) -> bool:
    return any("DevInf-only" in what for what in run.result.synthesized)


def _alert_250(run: SessionRun) -> bool:
    return any(folder.asked == 250 for folder in run.result.folders.values())


def _meta_in_alert(run: SessionRun) -> bool:
    return any(
        isinstance(command, Alert)
        and any(item.meta is not None and (item.meta.max_obj_size or item.meta.mem) for item in command.items)
        for command in _commands(run)
    )


def _repeated_cmd_id(run: SessionRun) -> bool:
    for message in _messages(run):
        ids = [command.cmd_id for command in message.commands]
        ids += [sub.cmd_id for command in message.commands if isinstance(command, Sync) for sub in command.commands]
        if len(ids) != len(set(ids)):
            return True
    return False


def _session_in_target(run: SessionRun) -> bool:
    return any(re.search(r"sessid=|jsessionid", message.header.target.uri) for message in _messages(run))


def _line_breaks_in_versions(run: SessionRun) -> bool:
    devinfs = [message.devinf for message in run.plan.messages if message.devinf is not None]
    return any("\n" in (value or "") for devinf in devinfs for value in (devinf.fw_v, devinf.sw_v, devinf.hw_v))


def _mixed_session_ids(run: SessionRun) -> bool:
    return len({message.header.session_id for message in _messages(run)}) > 1


QUIRKS: tuple[tuple[str, Callable[[SessionRun], bool]], ...] = (
    ("no credentials until challenged", _no_cred_first),
    ("MD5 login (answers our challenge)", _md5),
    ("basic credentials without Format", _cred_without_format),
    ("Alert 200 on a first sync (508)", _first_sync_two_way),
    ("Replace for every item of a slow sync (201)", _replace_in_slow_sync),
    ("DevInf-only first message", _devinf_only),
    ("DevInf as Results", _devinf_as_results),
    ("Alert 250 (Funambol)", _alert_250),
    ("MaxObjSize/Mem in the Alert", _meta_in_alert),
    ("no SyncML namespace", _no_namespace),
    ("lower-case namespace", _lower_case_namespace),
    ("1.1 namespace on a 1.2 message", _wrong_version_namespace),
    ("MetInf without namespace", _metinf_without_namespace),
    ("DOCTYPE", _doctype),
    ("CDATA", _cdata),
    ("WBXML with a literal FPI", _literal_fpi),
    ("WBXML DevInf inside WBXML", _nested_wbxml_devinf),
    ("FwV/SwV with line breaks", _line_breaks_in_versions),
    ("base64 items", _base64_items),
    ("text/calendar on vCalendar 1.0", _calendar_type_for_vcalendar),
    ("changes over several messages", _split_changes),
    ("large object (MoreData)", _large_object),
    ("repeated CmdID", _repeated_cmd_id),
    ("another server's session in Target", _session_in_target),
    ("SessionID changes mid-session", _mixed_session_ids),
    ("Alert 222 after a complete package (not sent)", _skipped_alert_222),
)
"""Each quirk's name in the table, and how it shows in a session."""


def quirks_of(run: SessionRun) -> list[str]:
    return [name for name, shows in QUIRKS if shows(run)]
