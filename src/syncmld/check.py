"""Checking an account's setup the way an operator would when a user says "my phone does not sync":
the service switch, the account and its domain, the access list, the password, the server's URL, the
account's folders, and what each of its devices did last (an unknown folder name, a refused format).

Each check gives a ``Finding``: what is fine, what is worth knowing, and each fault with what to do.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import ip_address
from urllib.parse import urlsplit

import httpx

from syncmld.accounts import verify_password
from syncmld.engine.folders import STANDARD_FOLDERS
from syncmld.engine.formats import UNKNOWN_FOLDER_RECORD, refused_types_key
from syncmld.errors import SettingError
from syncmld.settings import AUTH, SYNCML, AuthPolicy
from syncmld.store.base import Account, Folder, Transaction

URL_TIMEOUT_S = 10.0


class Verdict(StrEnum):
    OK = "ok"
    NOTE = "note"
    FAULT = "FAULT"


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    text: str
    remedy: str = ""
    """What to do about a fault."""


def ok(text: str) -> Finding:
    return Finding(Verdict.OK, text)


def note(text: str) -> Finding:
    return Finding(Verdict.NOTE, text)


def fault(text: str, remedy: str) -> Finding:
    return Finding(Verdict.FAULT, text, remedy)


def check_account(tx: Transaction, email: str, password: str | None = None) -> list[Finding]:
    """Every check of the store for the account ``email`` (normalised); the password too when given."""
    findings = [check_service(tx)]
    account = tx.get_account(email)
    if account is None:
        return [*findings, fault(f"no account {email}", f"create it: syncmld account add {email} --password PW")]
    findings += [check_enabled(account), *check_domain(tx, account), check_access(tx, account)]
    findings += check_secrets(tx, account, password)
    findings += check_folders(tx, account)
    findings += check_devices(tx, account)
    return findings


def check_service(tx: Transaction) -> Finding:
    try:
        on = SYNCML.read(tx)
    except SettingError as error:
        return fault(f"the syncml setting is unusable: {error}", "set it again: syncmld config set syncml on")
    if not on:
        return fault("SyncML is off for the whole server", "turn it on: syncmld config set syncml on")
    return ok("SyncML is on for the server")


def check_enabled(account: Account) -> Finding:
    if not account.enabled:
        return fault(f"account {account.email} is disabled", f"enable it: syncmld account enable {account.email}")
    return ok(f"account {account.email} exists and is enabled")


def check_domain(tx: Transaction, account: Account) -> list[Finding]:
    name = account.email.rpartition("@")[2]
    domain = tx.get_domain(name)
    if domain is not None and not domain.enabled:
        return [fault(f"domain {name} is disabled", f"enable it: syncmld domain enable {name}")]
    return [ok(f"domain {name} is enabled" if domain else f"domain {name} is not registered (counts as enabled)")]


def check_access(tx: Transaction, account: Account) -> Finding:
    allowed = tx.list_access()
    domain = account.email.rpartition("@")[2]
    if not allowed:
        return ok("the access list is empty: every account may sync")
    if account.email in allowed or domain in allowed:
        return ok(f"{account.email if account.email in allowed else domain} is on the access list")
    return fault(
        f"neither {account.email} nor {domain} is on the access list ({', '.join(allowed)})",
        f"allow it: syncmld access allow {account.email} (or the whole domain: syncmld access allow {domain})",
    )


def check_secrets(tx: Transaction, account: Account, password: str | None) -> list[Finding]:
    findings = []
    if password is not None:
        if verify_password(password, account.password_hash):
            findings.append(ok("the password given is the account's"))
        else:
            findings.append(
                fault(
                    "the password given is not the account's",
                    f"type the password again on the device, or set a new one: syncmld account passwd {account.email} "
                    "--password PW",
                )
            )
    try:
        policy = AUTH.read(tx)
    except SettingError as error:
        return [*findings, fault(f"the auth setting is unusable: {error}", "set it again: syncmld config set auth any")]
    if policy in (AuthPolicy.MD5, AuthPolicy.HMAC) and not account.md5_credential:
        findings.append(
            fault(
                f"the server takes {policy} logins only, and the account has no MD5 secret (made under auth basic)",
                f"set its password again: syncmld account passwd {account.email} --password PW",
            )
        )
    else:
        findings.append(ok(f"the account can log in as the server asks (auth {policy})"))
    return findings


def check_folders(tx: Transaction, account: Account) -> list[Finding]:
    folders = tx.list_folders(account.id)
    own = [folder.name for folder in folders if folder.name.casefold() not in STANDARD_FOLDERS]
    counts = ", ".join(f"{folder.name} ({tx.count_items(folder.id)} items)" for folder in folders)
    names = ", ".join([*STANDARD_FOLDERS, *own])
    return [
        note(f"folders: {counts}" if folders else "no folders yet (they appear with the first sync)"),
        note(f"remote names a device may use: {names} (and their usual aliases: card, calendar, memo, ...)"),
    ]


def check_devices(tx: Transaction, account: Account) -> list[Finding]:
    devices = tx.list_devices(account.id)
    if not devices:
        return [note("no device has synced yet")]
    findings = []
    folders = tx.list_folders(account.id)
    for device in devices:
        syncs = tx.list_device_syncs(device.id)
        for record in syncs:
            if record.folder_name == UNKNOWN_FOLDER_RECORD:
                findings.append(
                    fault(
                        f"device {device.device_ref} last asked for a folder the account does not have "
                        f"({record.result})",
                        "set the device's remote name (database) for that data type to one the account has (see "
                        "above), or create the folder: "
                        f"syncmld folder add {account.email} NAME",
                    )
                )
            else:
                findings.append(
                    note(
                        f"device {device.device_ref}: {record.folder_name} last synced in mode {record.mode}, "
                        f"{record.result}, received {record.received or '-'}, sent {record.sent or '-'}"
                    )
                )
        findings += refused_formats(tx, account, device.device_ref, device.id, folders)
        if not syncs:
            findings.append(note(f"device {device.device_ref} has logged in but finished no sync"))
    return findings


def refused_formats(
    tx: Transaction, account: Account, device_ref: str, device_id: int, folders: Iterable[Folder]
) -> list[Finding]:
    """The types a device refused (415), per folder, with what to do."""
    findings = []
    for folder in folders:
        refused = tx.get_setting(refused_types_key(device_id, folder.id))
        if refused:
            findings.append(
                fault(
                    f"device {device_ref} refused {refused.replace(',', ', ')} for {folder.name} (415): it is sent "
                    "another type it takes from then on",
                    "check the device's format setting for that data type (vCard 2.1 or 3.0, vCalendar, SIF), or "
                    "ask for one in the server URL (format=vob or format=sif); then "
                    f"syncmld device forget {account.email} {device_ref} sends it everything again",
                )
            )
    return findings


def check_url(url: str, timeout: float = URL_TIMEOUT_S) -> list[Finding]:
    """Whether ``url`` answers as a syncmld endpoint, and whether a phone could reach it."""
    findings = []
    host = urlsplit(url).hostname or ""
    if host == "localhost" or _is_loopback(host):
        findings.append(
            fault(
                f"{host} is this machine's own loopback address: no phone can reach it",
                "serve on an address phones reach (syncmld serve --host 0.0.0.0) and give them this machine's "
                "name or address",
            )
        )
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as error:
        return [
            *findings,
            fault(
                f"{url} cannot be reached: {error}",
                "is syncmld serve running, listening on that address and port, and the port open in the firewall?",
            ),
        ]
    if response.status_code != 200 or not response.text.startswith("syncmld "):
        return [
            *findings,
            fault(
                f"{url} answers HTTP {response.status_code}, not as syncmld's SyncML endpoint",
                "check the path (default /syncml, syncmld serve --path) and any proxy in front of the server",
            ),
        ]
    return [*findings, ok(f"{url} answers: {response.text.splitlines()[0]}")]


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
