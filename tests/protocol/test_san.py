"""The server alerted notification (1.2 binary and 1.1 message forms) and its WAP Push wrapping."""

import pytest

from syncmld.accounts import md5_credential
from syncmld.errors import DecodeError
from syncmld.protocol.codec import Encoding, decode, encode
from syncmld.protocol.constants import AlertCode, SyncMLVersion
from syncmld.protocol.san import (
    Notification,
    NotificationTooLarge,
    SanSync,
    UIMode,
    content_type_code,
    decode_san,
    encode_san,
)
from syncmld.protocol.san_message import alert_package, notification_of
from syncmld.protocol.wap_push import PushContentType, SmsTooLong, push_pdu, read_push, split_sms

# Nokia PC Suite's notification, as buteo-syncml keeps it in tests_meego/data/SAN01.bin.
PC_SUITE_SAN = (
    bytes.fromhex("0179ab671b68f26698269b4ca78222ad0318000000000012" + b"PC Suite Data Sync".hex() + "106000000008")
    + b"Contacts"
)


def test_a_real_devices_notification_is_read_and_its_digest_checked() -> None:
    decoded = decode_san(PC_SUITE_SAN)
    assert decoded.notification.server_id == "PC Suite Data Sync"
    assert decoded.notification.ui_mode == UIMode.BACKGROUND
    assert decoded.notification.syncs == (SanSync(AlertCode.TWO_WAY_BY_SERVER, "Contacts", 0),)
    # H(server-id ":" password) with an empty password and nonce
    assert decoded.digest_matches(md5_credential("PC Suite Data Sync", ""))
    assert not decoded.digest_matches(md5_credential("PC Suite Data Sync", "x"))


def test_writing_that_notification_gives_the_same_bytes() -> None:
    notification = Notification("PC Suite Data Sync", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "Contacts"),))
    assert encode_san(notification, md5_credential("PC Suite Data Sync", "")) == PC_SUITE_SAN


def test_a_notification_reads_back_as_written() -> None:
    notification = Notification(
        "http://example.org/syncml",
        (
            SanSync(AlertCode.TWO_WAY_BY_SERVER, "card", content_type_code("text/x-vcard")),
            SanSync(AlertCode.REFRESH_FROM_SERVER_BY_SERVER, "Événements", content_type_code("text/calendar")),
        ),
        session_id=4242,
        ui_mode=UIMode.INFORMATIVE,
    )
    secret = md5_credential("ann@example.org", "secret")
    decoded = decode_san(encode_san(notification, secret, b"nonce"))
    assert decoded.notification == notification
    assert decoded.digest_matches(secret, b"nonce")
    assert not decoded.digest_matches(secret)


def test_without_a_secret_the_digest_is_zeros() -> None:
    san = encode_san(Notification("s", ()), "")
    assert san[:16] == bytes(16)


@pytest.mark.parametrize(
    "data",
    [
        PC_SUITE_SAN[:20],
        PC_SUITE_SAN[:-1],
        PC_SUITE_SAN[:16] + bytes([0xFF]) + PC_SUITE_SAN[17:],
        PC_SUITE_SAN[:-14] + bytes([0x30]) + PC_SUITE_SAN[-13:],
    ],
    ids=["short", "cut-uri", "bad-version", "sync-type-203"],
)
def test_what_is_no_notification_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(DecodeError, match="notification"):
        decode_san(data)


def test_names_too_long_for_the_format_are_refused() -> None:
    with pytest.raises(NotificationTooLarge):
        encode_san(Notification("x" * 256, ()), "")
    with pytest.raises(NotificationTooLarge):
        encode_san(Notification("s", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "c"),) * 16), "")


@pytest.mark.parametrize("encoding", list(Encoding))
def test_the_syncml_11_form_reads_back(encoding: Encoding) -> None:
    notification = Notification(
        "syncmld", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "Contacts"), SanSync(AlertCode.TWO_WAY_BY_SERVER, "Events"))
    )
    message = alert_package(notification, "IMEI:123", SyncMLVersion.V1_1)
    read = decode(encode(message, encoding), encoding.content_type).message
    assert read.header.target.uri == "IMEI:123"
    assert read.final
    assert notification_of(read) == Notification(
        "syncmld", notification.syncs, session_id=0, version=11, ui_mode=UIMode.BACKGROUND
    )


def test_a_1_2_notification_fits_one_sms() -> None:
    san = encode_san(Notification("syncmld", (SanSync(AlertCode.TWO_WAY_BY_SERVER, "Contacts"),)), "")
    pdu = push_pdu(PushContentType.DS_NOTIFICATION, san)
    assert pdu[:6] == bytes.fromhex("010603ceaf85")
    (sms,) = split_sms(pdu, 7, 3)
    assert sms.udh == bytes.fromhex("05040b84c002")
    assert read_push(sms.udh, [sms.data]).body == san


def test_a_long_push_is_concatenated_and_read_back() -> None:
    body = bytes(range(256)) * 2
    pdu = push_pdu(PushContentType.SYNCML_WBXML, body)
    assert pdu[:9] == bytes.fromhex("01060603020303af85")
    parts = split_sms(pdu, 9, 5)
    assert len(parts) == 5
    assert all(1 + len(sms.udh) + len(sms.data) <= 140 for sms in parts)
    assert [sms.udh[-3:] for sms in parts] == [bytes([9, 5, n]) for n in range(1, 6)]
    read = read_push(parts[0].udh, [sms.data for sms in parts])
    assert (read.content_type, read.body) == (PushContentType.SYNCML_WBXML, body)
    with pytest.raises(SmsTooLong):
        split_sms(pdu, 9, 4)
