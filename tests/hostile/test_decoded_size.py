"""WBXML bodies that decode to far more than they weigh (one string-table entry referred to many
times) are refused with 413 while decoding, and cost the server process little memory."""

from pathlib import Path

import httpx
import pytest

from tests.hostile.served import MB, PeakMemory, logged_in, served
from tests.hostile.wire import WBXML, string_table_bomb

pytestmark = pytest.mark.timeout(300)


def test_a_string_table_bomb_is_413_and_the_server_grows_by_under_64_mb(tmp_path: Path) -> None:
    """In a session, a 1 MB body referring 500 times to a 1 MB entry (500 MB of text; it took the
    server to 2.1 GB): 413 from the decoder, peak memory up by less than 64 MB. Before login, a
    100 kB body referring 500 times to a 100 kB entry: 413, up by less than 32 MB."""
    in_session = string_table_bomb(1_000_000, 500)
    before_login = string_table_bomb(100_000, 500)
    assert len(in_session) < 1_002_000 and len(before_login) < 102_000
    with served(tmp_path) as server, httpx.Client(timeout=120) as http:
        url = logged_in(http, server.url)

        memory = PeakMemory(server.pid)
        answered = http.post(url, content=in_session, headers={"Content-Type": WBXML})
        assert memory.growth < 64 * MB, f"peak memory up by {memory.growth / MB:.0f} MB"
        assert answered.status_code == 413, answered.text[:300]
        assert answered.text.strip() == "WBXML document decodes to more than 4400000 bytes"

        memory = PeakMemory(server.pid)
        answered = http.post(server.url, content=before_login, headers={"Content-Type": WBXML})
        assert memory.growth < 32 * MB, f"peak memory up by {memory.growth / MB:.0f} MB"
        assert answered.status_code == 413, answered.text[:300]
        assert answered.text.strip() == "WBXML document decodes to more than 524288 bytes"
    assert server.log.count("refused a message from 127.0.0.1: WBXML document decodes to more than") == 2
