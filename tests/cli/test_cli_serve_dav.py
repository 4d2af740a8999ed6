"""The DAV options of ``syncmld serve`` reach the server: a real process with small limits and another path."""

import re
import subprocess
from pathlib import Path

import httpx

from tests.cli.test_cli_serve import serving, syncmld_command, wait_for_log

DAV_SERVING = re.compile(r"serving CardDAV and CalDAV at (http://127\.0\.0\.1:\d+/groupware/)")
USER, PASSWORD = "dana@example.org", "dana-secret"
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana\r\nN:Dana;;;;\r\nEND:VCARD\r\n"
OPTIONS = ["--dav-path", "/groupware", "--dav-max-body", "500", "--dav-max-hrefs", "2", "--dav-max-name-length", "8"]
OPTIONS += ["--dav-max-results", "1"]


def test_serve_takes_the_dav_path_and_limits(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert (
        subprocess.run(syncmld_command("account", "add", USER, "--password", PASSWORD, "--data-dir", data)).returncode
        == 0
    )
    log_path = tmp_path / "serve.log"
    with serving(log_path, data, *OPTIONS) as process:
        root = wait_for_log(log_path, DAV_SERVING, process).group(1)
        with httpx.Client(auth=(USER, PASSWORD), timeout=10) as client:
            contacts = f"{root}{USER}/contacts/"
            headers = {"Content-Type": "text/vcard"}
            assert client.put(contacts + "a.vcf", content=CARD, headers=headers).status_code == 201
            assert (
                client.put(contacts + "b.vcf", content=CARD.replace(b"Dana", b"Dina"), headers=headers).status_code
                == 201
            )
            assert client.put(contacts + "too-long.vcf", content=CARD, headers=headers).status_code == 403
            big = CARD.replace(b"END:VCARD", b"NOTE:" + b"x" * 500 + b"\r\nEND:VCARD")
            assert client.put(contacts + "c.vcf", content=big, headers=headers).status_code == 413
            hrefs = "".join(
                f"<d:href>/groupware/{USER}/contacts/{name}</d:href>" for name in ("a.vcf", "b.vcf", "x.vcf")
            )
            multiget = (
                '<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
                f"<d:prop><d:getetag/></d:prop>{hrefs}</c:addressbook-multiget>"
            )
            assert client.request("REPORT", contacts, content=multiget).status_code == 403
            sync = '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:prop><d:getetag/></d:prop></d:sync-collection>'
            cut = client.request("REPORT", contacts, content=sync)
            assert cut.status_code == 207 and cut.text.count("<d:href>") == 2 and "507" in cut.text
            assert client.request("PROPFIND", f"{root.replace('/groupware/', '/dav/')}").status_code == 404
