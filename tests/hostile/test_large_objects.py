"""Large objects within the MaxObjSize the server announces: an object announced or sent larger gets 413
at once and is dropped, one of the largest size costs bounded memory, and its conversion leaves the
store free for other users."""

import threading
import time
from pathlib import Path

import httpx
import pytest

from syncmld.engine.api import EngineSettings
from tests.hostile.served import MB, PeakMemory, logged_in, served
from tests.hostile.wire import ALICE, BOB, XML, alert, basic_cred, message, reply_of, statuses, store_rows, sync

pytestmark = pytest.mark.timeout(300)

CALENDAR = "text/calendar"


def chunk(
    cmd_id: int, luid: str, data: str, size: int | None = None, more: bool = True, content_type: str = "text/x-vcard"
) -> str:
    """An Add carrying one piece of a large object (its first names the object's Size)."""
    declared = f"<Size xmlns='syncml:metinf'>{size}</Size>" if size is not None else ""
    return (
        f"<Add><CmdID>{cmd_id}</CmdID><Meta><Type xmlns='syncml:metinf'>{content_type}</Type>{declared}</Meta>"
        f"<Item><Source><LocURI>{luid}</LocURI></Source><Data><![CDATA[{data}]]></Data>"
        f"{'<MoreData/>' if more else ''}</Item></Add>"
    )


class Upload:
    """Alice's slow sync of ``folder``, its modifications posted one message at a time."""

    def __init__(self, http: httpx.Client, url: str, folder: str = "contacts") -> None:
        self.http = http
        self.folder = folder
        self.msg_id = 1
        first = message(alert(1, 201, target=folder, source=f"./{folder}"), cred=basic_cred(ALICE))
        reply = reply_of(http.post(url, content=first, headers={"Content-Type": XML}))
        assert reply.header.resp_uri
        self.url = reply.header.resp_uri

    def send(self, *commands: str, final: bool = False) -> list[tuple[str, int]]:
        """Post a Sync of ``commands``; the statuses of the reply."""
        self.msg_id += 1
        body = message(
            sync(2, "".join(commands), target=self.folder, source=f"./{self.folder}"),
            msg_id=str(self.msg_id),
            final=final,
        )
        return statuses(reply_of(self.http.post(self.url, content=body, headers={"Content-Type": XML})))


def vcard_text(name: str, filler: int = 0) -> str:
    return f"BEGIN:VCARD\r\nVERSION:2.1\r\nN:{name};Test\r\nNOTE:{'n' * filler}\r\nEND:VCARD\r\n"


def stored_items(tmp_path: Path) -> list[bytes]:
    """The data of every item the server's store holds."""
    return [row[3] for row in store_rows(tmp_path / "data").tables["items"]]


def test_an_announced_size_over_max_obj_size_is_413_at_once_with_its_later_chunks(tmp_path: Path) -> None:
    """Size 10^12 (it got 213 and was taken): 413 on the first chunk and on each later one, nothing kept;
    the next item of the session is added."""
    with served(tmp_path) as server, httpx.Client(timeout=60) as http:
        upload = Upload(http, server.url)
        assert ("Add", 413) in upload.send(chunk(3, "huge", "BEGIN:VCARD\r\n", size=10**12))
        assert ("Add", 413) in upload.send(chunk(3, "huge", "N:Huge\r\n"))
        assert ("Add", 413) in upload.send(chunk(3, "huge", "END:VCARD\r\n", more=False))
        assert ("Add", 201) in upload.send(chunk(3, "small", vcard_text("Small"), more=False), final=True)
        assert [b"Small" in data for data in stored_items(tmp_path)] == [True]
        # no piece of the huge object: the one row is the session's note of the item it added (a slow sync)
        assert [row[1] for row in store_rows(tmp_path / "data").tables["large_object_chunks"]] == ["matched:1"]


@pytest.mark.parametrize(
    ("declared", "refused_at"), [(70_000, 3), (None, 4)], ids=["past its announced Size", "past MaxObjSize"]
)
def test_chunks_adding_up_past_the_size_or_the_limit_are_413_and_the_object_is_dropped(
    declared: int | None,
    refused_at: int,
    tmp_path: Path,
) -> None:
    """MaxObjSize 100,000, pieces of 30,000: refused with 413 at the piece that goes past the announced
    70,000 or past 100,000 (thirty 9 MB chunks were all taken); later pieces 413 too, nothing kept."""
    with served(tmp_path, "--max-object-size", "100000") as server, httpx.Client(timeout=60) as http:
        upload = Upload(http, server.url)
        codes = []
        for number in range(1, 6):
            piece = ("BEGIN:VCARD\r\nNOTE:" if number == 1 else "") + "x" * 30_000
            sent = chunk(3, "big", piece, size=declared if number == 1 else None, more=number < 5)
            codes += [code for command, code in upload.send(sent) if command == "Add"]
        assert codes == [213] * (refused_at - 1) + [413] * (6 - refused_at)
        assert stored_items(tmp_path) == []
        assert store_rows(tmp_path / "data").tables["large_object_chunks"] == []


def calendar_of(events: int) -> str:
    """One iCalendar object holding ``events`` events: slow to convert (about 1.5 ms an event)."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:e{number}\r\nDTSTART:20240101T100000Z\r\nSUMMARY:s{number}\r\nEND:VEVENT\r\n"
        for number in range(events)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n{body}END:VCALENDAR\r\n"


def test_another_user_logs_in_while_a_large_object_of_max_size_is_converted(tmp_path: Path) -> None:
    """Alice's last piece of a 3 MB calendar of 37,000 events takes seconds to convert; Bob's login,
    posted a second after it, is answered before it (it waited for the store's write lock, and after
    30 s got HTTP 500 "database is locked")."""
    data = calendar_of(37_000)
    assert 2_900_000 < len(data) <= 3_000_000
    pieces = [data[start : start + 900_000] for start in range(0, len(data), 900_000)]
    last_posted, last_answered = threading.Event(), threading.Event()
    codes: list[tuple[str, int]] = []

    def upload_calendar(url: str) -> None:
        with httpx.Client(timeout=120) as http:
            upload = Upload(http, url, folder="events")
            for number, piece in enumerate(pieces[:-1]):
                sent = chunk(3, "cal", piece, size=len(data) if number == 0 else None, content_type=CALENDAR)
                assert ("Add", 213) in upload.send(sent)
            last_posted.set()
            codes.extend(upload.send(chunk(3, "cal", pieces[-1], more=False, content_type=CALENDAR), final=True))
            last_answered.set()

    with served(tmp_path, "--max-object-size", "3000000") as server, httpx.Client(timeout=120) as http:
        uploader = threading.Thread(target=upload_calendar, args=(server.url,))
        uploader.start()
        assert last_posted.wait(120)
        time.sleep(1)
        bob = reply_of(
            http.post(
                server.url,
                content=message(alert(1, 201), device="bob-phone", cred=basic_cred(BOB)),
                headers={"Content-Type": XML},
            )
        )
        bob_first = not last_answered.is_set()
        uploader.join(120)
    assert statuses(bob)[:2] == [("SyncHdr", 212), ("Alert", 200)]
    assert ("Add", 201) in codes
    assert bob_first, "Bob's login waited for the conversion of Alice's calendar"
    assert "database is locked" not in server.log


def test_a_max_size_upload_and_a_larger_one_grow_the_server_by_under_160_mb(tmp_path: Path) -> None:
    """A contact with a photo of MaxObjSize (10 MB) in 1 MB messages, then one of 30 MB that announces no
    Size, refused at 10 MB (the old server took it whole: 270 MB took 4.4 GB): peak memory up by less
    than 160 MB."""
    limit = EngineSettings.max_obj_size
    with served(tmp_path) as server, httpx.Client(timeout=120) as http:
        upload = Upload(http, server.url)
        memory = PeakMemory(server.pid)
        for luid, size in (("fits", limit), ("too-big", 3 * limit)):
            photo = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Photo;Big\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:"
            photo += "A" * (size - len(photo) - len("\r\nEND:VCARD\r\n")) + "\r\nEND:VCARD\r\n"
            pieces = [photo[start : start + 900_000] for start in range(0, len(photo), 900_000)]
            announced = len(photo) if luid == "fits" else None
            codes = [
                code
                for number, piece in enumerate(pieces)
                for command, code in upload.send(
                    chunk(3, luid, piece, size=announced if number == 0 else None, more=number < len(pieces) - 1)
                )
                if command == "Add"
            ]
            expected = [213] * (len(pieces) - 1) + [201] if luid == "fits" else [213] * 11 + [413] * (len(pieces) - 11)
            assert codes == expected
        assert memory.growth < 160 * MB, f"peak memory up by {memory.growth / MB:.0f} MB"
        logged_in(http, server.url)
