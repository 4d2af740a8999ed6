"""``syncmld check EMAIL``: the troubleshooting list run against one account (``syncmld.check``)."""

from pathlib import Path

import click

from syncmld.check import Finding, Verdict, check_account, check_url
from syncmld.cli import checked_email, data_dir_option, db_option, echo, opened_store


def show(finding: Finding) -> None:
    echo(f"{finding.verdict.value:5} {finding.text}")
    if finding.remedy:
        echo(f"      what to do: {finding.remedy}")


@click.command("check")
@click.argument("email")
@click.option("--url", help="The URL the device is given, e.g. http://sync.example.org:8080/syncml: is it reachable?")
@click.option("--password", help="The password the device is given: is it the account's?")
@data_dir_option
@db_option
def check(email: str, url: str | None, password: str | None, data_dir: Path, db: str | None) -> int:
    """Check an account's setup: service, account, domain, access list, password, URL, folders, devices.

    Each fault comes with what to do; the exit status is 1 when there is one."""
    address = checked_email(email)
    with opened_store(data_dir, db, existing=True) as store, store.transaction() as tx:
        findings = check_account(tx, address, password)
    if url is not None:
        findings += check_url(url)
    for finding in findings:
        show(finding)
    faults = sum(finding.verdict == Verdict.FAULT for finding in findings)
    echo(f"{faults} faults found" if faults else "no fault found")
    return 1 if faults else 0
