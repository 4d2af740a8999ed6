"""The mail filters: headers only, the last N days, at most N KB; from the server's settings and from the
device's SyncML 1.2 Filter. A cut mail says so, and the device can ask for the rest by its ID."""

import time

import pytest

from syncmld.client.email import MailItem
from tests.mail.dovecot import Dovecot
from tests.mail.engine_side import MailSetup, mails
from tests.mail.mailbox import append, message


@pytest.fixture
def setup(setup: MailSetup, dovecot: Dovecot) -> MailSetup:
    client = dovecot.imap(setup.email)
    append(client, "INBOX", message(1))
    append(client, "INBOX", message(2, body_kb=60))
    append(client, "INBOX", message(3, attachment_kb=40, days_old=30), days_old=30)
    client.logout()
    return setup


def _setting(setup: MailSetup, name: str, value: str) -> None:
    with setup.store.transaction() as tx:
        tx.set_setting(name, value)


def _by_number(items: dict[str, MailItem]) -> dict[int, MailItem]:
    return {int(str(item.parsed["Subject"]).split("Nr. ")[1].split()[0]): item for item in items.values()}


def _text(item: MailItem) -> str:
    body = item.parsed.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""


def test_headers_only_sends_each_mails_headers_and_says_how_much_was_left_out(setup: MailSetup) -> None:
    _setting(setup, "mail_headers_only", "on")
    phone = setup.device("IMEI:filter-headers")
    phone.sync()
    got = _by_number(mails(phone))
    assert sorted(got) == [1, 2, 3]
    for item in got.values():
        assert item.truncated and int(item.ext["x-funambol-body"]) > 0
        assert item.parsed["X-Syncmld-Truncated"] is not None
        assert "Nachricht" not in (item.message or b"").decode()
        assert item.parsed["Message-ID"]


def test_mail_days_leaves_older_mail_out(setup: MailSetup) -> None:
    _setting(setup, "mail_days", "7")
    phone = setup.device("IMEI:filter-days")
    phone.sync()
    assert sorted(_by_number(mails(phone))) == [1, 2]


def test_mail_days_set_for_the_domain_applies_unless_the_account_has_its_own(setup: MailSetup) -> None:
    domain = setup.email.partition("@")[2]
    _setting(setup, f"mail_days:{domain}", "7")
    phone = setup.device("IMEI:filter-domain")
    phone.sync()
    assert sorted(_by_number(mails(phone))) == [1, 2]

    _setting(setup, f"mail_days:{setup.email}", "0")
    other = setup.device("IMEI:filter-domain-own")
    other.sync()
    assert sorted(_by_number(mails(other))) == [1, 2, 3]


def test_mail_max_kb_cuts_large_mails_only(setup: MailSetup) -> None:
    _setting(setup, "mail_max_kb", "20")
    phone = setup.device("IMEI:filter-size")
    phone.sync()
    got = _by_number(mails(phone))
    assert not got[1].truncated and "Nachricht 1:" in _text(got[1])
    assert got[2].truncated and len(got[2].message or b"") < 21 * 1024
    assert int(got[2].ext["x-funambol-body"]) > 30 * 1024
    assert got[3].truncated


FIELD_TEXT_1000 = (
    "<Field><Item><Meta><Type>application/vnd.syncml-devinf+xml</Type></Meta><Data><Property>"
    "<PropName>emailitem</PropName><MaxSize>1000</MaxSize><PropParam><ParamName>texttype</ParamName></PropParam>"
    "</Property></Data></Item></Field>"
)


def _record(query: str) -> str:
    return (
        "<Record><Item><Meta><Type>syncml:filtertype-cgi</Type></Meta>"
        f"<Data>{query.replace('&', '&amp;')}</Data></Item></Record>"
    )


def test_a_devices_filter_cuts_mails_and_the_rest_of_one_comes_when_asked_by_its_id(setup: MailSetup) -> None:
    week_ago = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 7 * 86400))
    phone = setup.device("IMEI:filter-device", target_filter=_record(f"modified&GT;{week_ago}") + FIELD_TEXT_1000)
    phone.sync()
    got = _by_number(mails(phone))
    assert sorted(got) == [1, 2]
    assert got[2].truncated and len(got[2].message or b"") < 2000
    luid = next(
        luid for luid, item in mails(phone).items() if item is not None and "Nr. 2 " in str(item.parsed["Subject"])
    )

    phone.target_filter = _record(f"&LUID&EQ;{luid}")
    report = phone.sync()
    assert report.received == {"add": 0, "replace": 1, "delete": 0}
    whole = mails(phone)[luid]
    assert not whole.truncated and len(_text(whole)) > 60 * 1000


def test_a_filter_the_server_cannot_read_gets_406_for_the_mail_alert(setup: MailSetup) -> None:
    phone = setup.device("IMEI:filter-bad", target_filter=_record("subject&CON;invoice"))
    report = phone.sync()
    assert report.codes_for("Alert")[:1] == [406]


def test_a_filter_longer_than_mail_filter_max_gets_406_and_a_shorter_one_is_read(
    setup: MailSetup, caplog: pytest.LogCaptureFixture
) -> None:
    _setting(setup, "mail_filter_max", str(len(FIELD_TEXT_1000) - 1))
    phone = setup.device("IMEI:filter-long", target_filter=FIELD_TEXT_1000)
    assert phone.sync().codes_for("Alert")[:1] == [406]
    assert any(
        "more than" in record.getMessage() and "mail_filter_max" in record.getMessage() for record in caplog.records
    )

    _setting(setup, "mail_filter_max", str(len(FIELD_TEXT_1000)))
    other = setup.device("IMEI:filter-long-ok", target_filter=FIELD_TEXT_1000)
    assert 406 not in other.sync().codes_for("Alert")
    assert _by_number(mails(other))[2].truncated
