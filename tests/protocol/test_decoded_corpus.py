"""Every recorded message decodes to exactly what the decoders gave before they were rewritten for speed.

``data/decoded_corpus.json`` holds, per recorded XML and WBXML message of ``../shared/interop``
(real devices, the captured SyncEvolution sessions, the messages of a client's debug log), a digest
of the decoded message model, or the status of the DecodeError, as the earlier decoders produced
them. Rewrite it (``python -m tests.protocol.test_decoded_corpus``) only for a change of meaning.
"""

import hashlib
import json
from pathlib import Path

import pytest

from syncmld.errors import DecodeError
from syncmld.protocol.codec import decode
from tests.replay.recordings import logged_messages

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"
EXPECTED = Path(__file__).parent / "data" / "decoded_corpus.json"
SUFFIXES = (".xml", ".wbxml", ".bin", ".txt")
LOG_WITH_MESSAGES = "real-devices/funambol-server/sendlog/synclog.txt"


def corpus() -> dict[str, bytes]:
    """Each recorded message by name: every file of the corpus, and each message inside the debug log."""
    messages = {
        str(path.relative_to(INTEROP)): path.read_bytes()
        for folder in ("real-devices", "capture")
        for path in sorted((INTEROP / folder).rglob("*"))
        if path.suffix in SUFFIXES and path.is_file()
    }
    log = (INTEROP / LOG_WITH_MESSAGES).read_bytes()
    messages.update({f"{LOG_WITH_MESSAGES}#{n}": body for n, body in enumerate(logged_messages(log), start=1)})
    return messages


def decoded_form(body: bytes) -> str:
    """A digest of the decoded model's repr, or the status a DecodeError gave."""
    try:
        message = decode(body, None).message
    except DecodeError as error:
        return f"DecodeError {int(error.status)}"
    return hashlib.sha256(repr(message).encode("utf-8")).hexdigest()


CORPUS = corpus()


def test_the_whole_corpus_is_checked() -> None:
    expected = json.loads(EXPECTED.read_text())
    assert len(CORPUS) >= 400
    assert sorted(CORPUS) == sorted(expected)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_recorded_message_decodes_as_before(name: str) -> None:
    assert decoded_form(CORPUS[name]) == json.loads(EXPECTED.read_text())[name]


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps({name: decoded_form(body) for name, body in CORPUS.items()}, indent=0) + "\n")
