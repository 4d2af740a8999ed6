"""The session state saved after every message: its JSON holds the fields that differ from their defaults, with
modes, change kinds, encryptions, auth types and versions as the plain strings and numbers they were before they
were enumerations; a session saved before an upgrade (every field written) goes on after it, and every field
reads back as its enumeration."""

import json

from syncmld.engine.folders import FolderKind
from syncmld.engine.mail_filter import DeviceFilter
from syncmld.engine.modes import SyncMode
from syncmld.engine.params import FormatParam
from syncmld.engine.session import ChangeKind, Phase, SessionState
from syncmld.protocol.constants import AuthType, SyncMLVersion
from syncmld.protocol.encoder import Encoding
from syncmld.protocol.item_format import Encryption

SAVED_FIELDS = {
    "version": "1.2",
    "device_ref": "IMEI:1",
    "session_id": "5",
    "token": "tok",
    "account_id": 1,
    "account_email": "a@b.org",
    "device_id": 2,
    "phase": "sending",
    "last_msg_id": "",
    "server_msg_id": 0,
    "client_max_msg_size": None,
    "client_max_obj_size": None,
    "started_at": 0.0,
    "url_mode": 9,
    "backup_archive": None,
    "format_preference": "sif",
    "param_errors": [],
    "previous_token": None,
    "devinf_received": False,
    "suspended": False,
    "datastores": [
        {
            "client_uri": "./contacts",
            "server_uri": "card",
            "folder_id": 3,
            "folder_name": "contacts",
            "mode": 2,
            "reason": "first sync",
            "client_next": "A2",
            "server_next": "20250101T000000Z",
            "server_last": None,
            "since_seq": 0,
            "wire_type": "text/x-s4j-sifc",
            "device_properties": ["N", "TEL"],
            "other_types": ["text/x-vcard"],
            "folder_kind": "contacts",
            "client_last": "A1",
            "format_from_device": True,
            "object_in_old_type": None,
            "start_seq": 7,
            "encryption": "des",
            "upto_seq": 9,
            "matched": ["g1"],
            "client_luids": ["7"],
            "queue": [
                {"kind": "add", "guid": "g2", "luid": None},
                {"kind": "replace", "guid": "g3", "luid": "3"},
                {"kind": "delete", "guid": "g4", "luid": "4"},
            ],
            "backlog_key": None,
            "backlog_offset": 0,
            "backlog_size": 0,
            "planned": False,
            "in_flight": [{"kind": "replace", "guid": "g5", "luid": "5"}],
            "incoming": {
                "kind": "add",
                "luid": "8",
                "guid": None,
                "content_type": "text/x-vcard",
                "size": 5000,
                "key": "in:3",
                "offset": 100,
                "format": None,
                "parent": None,
                "last_piece": 0,
                "confirmed": 0,
                "resumed_at": 0,
                "unconfirmed": 0,
            },
            "refused_object": None,
            "outgoing": {
                "kind": "replace",
                "luid": "3",
                "guid": "g3",
                "content_type": "text/x-s4j-sifc",
                "size": 9000,
                "key": "out:3",
                "offset": 10,
                "format": "b64",
                "parent": None,
                "last_piece": 0,
                "confirmed": 0,
                "resumed_at": 0,
                "unconfirmed": 0,
            },
            "received": {"added": 0, "replaced": 0, "deleted": 0, "failed": 0},
            "sent": {"added": 0, "replaced": 0, "deleted": 0, "failed": 0},
        }
    ],
    "auth_type": "syncml:auth-MAC",
}
SAVED = json.dumps(SAVED_FIELDS, separators=(",", ":")).encode()
"""A session in pkg 4 of a SyncML 1.2 HMAC login: a slow sync of a SIF contacts store with DES items, a large
object on its way in each direction, as the server saved it before its state held enumerations."""


WRITTEN_FIELDS = {
    "version": "1.2",
    "device_ref": "IMEI:1",
    "session_id": "5",
    "token": "tok",
    "account_id": 1,
    "account_email": "a@b.org",
    "device_id": 2,
    "phase": "sending",
    "url_mode": 9,
    "format_preference": "sif",
    "datastores": [
        {
            "client_uri": "./contacts",
            "server_uri": "card",
            "folder_id": 3,
            "folder_name": "contacts",
            "mode": 2,
            "reason": "first sync",
            "client_next": "A2",
            "server_next": "20250101T000000Z",
            "server_last": None,
            "since_seq": 0,
            "wire_type": "text/x-s4j-sifc",
            "device_properties": ["N", "TEL"],
            "other_types": ["text/x-vcard"],
            "folder_kind": "contacts",
            "client_last": "A1",
            "format_from_device": True,
            "start_seq": 7,
            "encryption": "des",
            "upto_seq": 9,
            "matched": ["g1"],
            "client_luids": ["7"],
            "queue": [["add", "g2", None], ["replace", "g3", "3"], ["delete", "g4", "4"]],
            "incoming": {
                "kind": "add",
                "luid": "8",
                "guid": None,
                "content_type": "text/x-vcard",
                "size": 5000,
                "key": "in:3",
                "offset": 100,
            },
            "outgoing": {
                "kind": "replace",
                "luid": "3",
                "guid": "g3",
                "content_type": "text/x-s4j-sifc",
                "size": 9000,
                "key": "out:3",
                "offset": 10,
                "format": "b64",
            },
        }
    ],
    "auth_type": "syncml:auth-MAC",
}
"""``SAVED`` as the server writes it now: only the fields that differ from their defaults (the fields every
session has, and those of the data store's that have no default, always), each queued change an array of kind,
guid and luid, without the changes of the last reply (the client's next message answers it)."""


def written_now() -> bytes:
    return json.dumps(WRITTEN_FIELDS, separators=(",", ":")).encode()


def test_a_saved_session_reads_back_typed_and_is_written_without_its_defaults() -> None:
    state = SessionState.from_bytes(SAVED)
    assert (state.version, state.phase, state.auth_type) == (SyncMLVersion.V1_2, Phase.SENDING, AuthType.MAC)
    assert (state.url_mode, state.format_preference) == (SyncMode.CLIENT_RESET, FormatParam.SIF)
    [store] = state.datastores
    assert (store.mode, store.folder_kind, store.encryption) == (SyncMode.SLOW, FolderKind.CONTACTS, Encryption.DES)
    assert [change.kind for change in store.queue] == [ChangeKind.ADD, ChangeKind.REPLACE, ChangeKind.DELETE]
    assert store.incoming is not None and store.incoming.kind is ChangeKind.ADD
    assert store.outgoing is not None and store.outgoing.kind is ChangeKind.REPLACE
    for value in (state.version, state.phase, state.auth_type, state.url_mode, state.format_preference, store.mode):
        assert type(value) is not str and type(value) is not int, value
    assert state.reply_encoding is Encoding.XML  # the reply it kept for a resend was written as XML
    assert state.to_bytes() == written_now()
    assert SessionState.from_bytes(written_now()) == state


def test_every_field_reads_back_as_it_was_written() -> None:
    state = SessionState.from_bytes(SAVED)
    state.last_msg_id, state.server_msg_id, state.started_at = "4", 3, 1_700_000_000.5
    state.param_errors, state.previous_token, state.devinf_received, state.suspended = ["sync=12"], "old", True, True
    state.auth_type, state.reply_encoding = AuthType.MD5, Encoding.WBXML
    [store] = state.datastores
    store.received.added, store.sent.deleted, store.matched_kept, store.planned = 5, 2, 40, True
    store.mail_filter = DeviceFilter(since=1.5, headers_only=True)
    store.backlog_key, store.backlog_offset, store.backlog_size = "backlog:3", 10, 900
    assert store.incoming is not None and store.outgoing is not None
    store.incoming.last_piece, store.outgoing.confirmed = 100, 5
    assert SessionState.from_bytes(state.to_bytes()) == state
    new = SessionState(SyncMLVersion.V1_1, "IMEI:2", "1", "t", 1, "a@b.org", 2)
    assert SessionState.from_bytes(new.to_bytes()) == new


def test_a_session_written_with_its_changes_as_arrays_reads_back_and_resumes_with_its_queue() -> None:
    for saved in (SAVED, SessionState.from_bytes(SAVED).to_bytes()):
        state = SessionState.from_bytes(saved)
        assert state.to_bytes() == written_now()
        [store] = state.datastores
        store.resume()
        assert [(change.kind, change.guid, change.luid) for change in store.queue] == [
            (ChangeKind.ADD, "g2", None),
            (ChangeKind.REPLACE, "g3", "3"),
            (ChangeKind.DELETE, "g4", "4"),
        ]
        assert all(type(change.kind) is ChangeKind for change in store.queue)


def test_no_url_mode_format_or_encryption_reads_back_as_none() -> None:
    state = SessionState.from_bytes(SAVED)
    state.url_mode = state.format_preference = None
    state.datastores[0].encryption = None
    again = SessionState.from_bytes(state.to_bytes())
    assert (again.url_mode, again.format_preference, again.datastores[0].encryption) == (None, None, None)
