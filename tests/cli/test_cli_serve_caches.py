"""The cache limits of ``syncmld serve`` reach the caches: a real process with --cache-devinfs 1 keeps one of
two devices' DevInfs, as its /metrics show."""

import re
import subprocess
from pathlib import Path

import httpx

from tests.cli.test_cli_serve import SERVING, syncmld_command, wait_for_log
from tests.hostile.wire import XML, message

DEVINFS_KEPT = re.compile(r'^syncmld_cache_entries\{cache="devinfs"\} (\S+)$', re.MULTILINE)


def devinf_put(device: str) -> str:
    """A Put of ``device``'s DevInf, as a device sends it before logging in."""
    devinf = (
        "<DevInf xmlns='syncml:devinf'><VerDTD>1.2</VerDTD><Man>Acme</Man><DevID>"
        f"{device}</DevID><DevTyp>phone</DevTyp><DataStore><SourceRef>./contacts</SourceRef>"
        "<Rx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Rx-Pref>"
        "<Tx-Pref><CTType>text/x-vcard</CTType><VerCT>2.1</VerCT></Tx-Pref></DataStore></DevInf>"
    )
    return (
        "<Put><CmdID>1</CmdID><Meta><Type xmlns='syncml:metinf'>application/vnd.syncml-devinf+xml</Type></Meta>"
        f"<Item><Source><LocURI>./devinf12</LocURI></Source><Data>{devinf}</Data></Item></Put>"
    )


def test_serve_takes_the_cache_limits(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    options = ("--cache-devinfs", "1", "--cache-headers", "100", "--cache-name-chars", "64")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            syncmld_command("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), *options),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        url = wait_for_log(log_path, SERVING, process).group(1)
        for device in ("IMEI:first", "IMEI:second"):
            body = message(devinf_put(device), device=device)
            answered = httpx.post(url, content=body, headers={"Content-Type": XML}, timeout=10)
            assert answered.status_code == 200
        scraped = httpx.get(url.replace("/syncml", "/metrics"), timeout=10).text
        assert DEVINFS_KEPT.findall(scraped) == ["1.0"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, log_path.read_text()
