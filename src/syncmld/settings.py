"""The server settings kept in the store (``syncmld config set NAME VALUE``), each declared once here
with its type, default, description and whether an account may have its own value.

The command line stores only what ``Setting.checked`` accepts, and the engine reads a setting with
``Setting.read``: the typed value in effect (an account's own, else the server's, else the default). A
stored value the setting cannot have is a ``SettingError`` naming it, never a default in its place.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from syncmld.errors import LocalError, SettingError
from syncmld.escape import quoted

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class AuthPolicy(StrEnum):
    """Accepted client authentication."""

    ANY = "any"
    """Basic, MD5 or HMAC."""
    BASIC = "basic"
    MD5 = "md5"
    HMAC = "hmac"


class ConflictPolicy(StrEnum):
    """Who wins when a device and the server changed the same item since the device's last sync."""

    MERGE = "merge"
    """Fields are merged; where both changed one, the newer version's value wins."""
    SERVER_WINS = "server-wins"
    CLIENT_WINS = "client-wins"
    NEWEST_WINS = "newest-wins"
    DUPLICATE = "duplicate"
    """Both are kept, as two items."""


class MailRemoval(StrEnum):
    """What a device's Delete of a mail does on the IMAP server."""

    TRASH = "trash"
    """The message moves to the Trash folder (SPECIAL-USE ``\\Trash``, else ``Trash``)."""
    EXPUNGE = "expunge"
    """The message is flagged deleted and expunged."""


class SettingsSource(Protocol):
    """Where stored settings are read from: a store transaction."""

    def get_setting(self, name: str) -> str | None: ...

    def get_settings(self, names: Iterable[str]) -> dict[str, str]: ...


SHOWN_VALUE = 40
"""Characters of an unusable value quoted in its error."""


@dataclass(frozen=True, kw_only=True)
class Setting(ABC, Generic[T]):
    """A setting kept in the store as text, read as a ``T``."""

    name: str
    default: T
    description: str
    per_account: bool = False
    """May be set for one account (``--account``), overriding the server's value."""
    per_domain: bool = False
    """May be set for one domain (``--domain``) too: an account's own value wins over its domain's."""

    @property
    @abstractmethod
    def values_text(self) -> str:
        """The values it takes, as ``config set --help`` shows them."""

    @abstractmethod
    def parse(self, text: str) -> T:
        """The value ``text`` stands for; SettingError when it stands for none."""

    def text(self, value: T) -> str:
        """How ``value`` is stored."""
        return str(value)

    @property
    def default_text(self) -> str:
        return self.text(self.default)

    def checked(self, text: str) -> str:
        """What to store for ``text`` (its value's usual form); SettingError when it stands for no value."""
        return self.text(self.parse(text))

    def key(self, account: str | None = None) -> str:
        """The name it is stored under: ``name``, or ``name:EMAIL`` for one account's own value, ``name:DOMAIN``
        for one domain's."""
        return self.name if account is None else f"{self.name}:{account}"

    def read(self, source: SettingsSource, account: str | None = None) -> T:
        """The value in effect: ``account``'s own (when it may have one), else its domain's (when it may have
        one), else the server's, else the default."""
        keys = [self.name]
        if account is not None and self.per_domain:
            keys.insert(0, self.key(account.rpartition("@")[2]))
        if account is not None and self.per_account:
            keys.insert(0, self.key(account))
        if len(keys) == 1:
            stored = source.get_setting(self.name)
            return self.default if stored is None else self.stored_value(self.name, stored)
        found = source.get_settings(keys)
        for key in keys:
            if key in found:
                return self.stored_value(key, found[key])
        return self.default

    def stored_value(self, key: str, stored: str) -> T:
        """The value stored under ``key``; SettingError saying how to put it right when it is none."""
        try:
            return self.parse(stored)
        except SettingError as error:
            scope = key.partition(":")[2]
            option = "--account" if "@" in scope else "--domain"
            command = f"syncmld config set {self.name} VALUE" + (f" {option} {scope}" if scope else "")
            raise SettingError(f"the stored setting {key} is unusable: {error}; set it again with {command}") from error


class ReadTogether:
    """Stored settings read in one look-up, then read from here (a login needs several, an alerted folder two):
    reading one that was not read with them is a LocalError, never its default."""

    def __init__(self, source: SettingsSource, names: Iterable[str]) -> None:
        self._names = frozenset(names)
        self._values = source.get_settings(self._names)

    def get_setting(self, name: str) -> str | None:
        if name not in self._names:
            raise LocalError(f"the setting {name} was not read with {', '.join(sorted(self._names))}")
        return self._values.get(name)

    def get_settings(self, names: Iterable[str]) -> dict[str, str]:
        return {name: value for name in names if (value := self.get_setting(name)) is not None}


@dataclass(frozen=True, kw_only=True)
class ChoiceSetting(Setting[E]):
    """One of an enumeration's values."""

    choices: type[E]

    @property
    def values_text(self) -> str:
        return "|".join(self.choices)

    def parse(self, text: str) -> E:
        if text not in set(self.choices):
            raise SettingError(f"'{quoted(text, SHOWN_VALUE)}' is not one of {', '.join(self.choices)}")
        return self.choices(text)


@dataclass(frozen=True, kw_only=True)
class SwitchSetting(Setting[bool]):
    """``on`` or ``off``."""

    @property
    def values_text(self) -> str:
        return "on|off"

    def parse(self, text: str) -> bool:
        if text not in ("on", "off"):
            raise SettingError(f"'{quoted(text, SHOWN_VALUE)}' is not one of on, off")
        return text == "on"

    def text(self, value: bool) -> str:
        return "on" if value else "off"


_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True, kw_only=True)
class CountSetting(Setting[int]):
    """A whole number, from 0 to ``maximum``."""

    maximum: int

    @property
    def values_text(self) -> str:
        return "N"

    def parse(self, text: str) -> int:
        if not _WHOLE_NUMBER.fullmatch(text) or int(text) > self.maximum:
            raise SettingError(f"'{quoted(text, SHOWN_VALUE)}' is not a whole number from 0 to {self.maximum}")
        return int(text)


AUTH = ChoiceSetting(
    name="auth",
    choices=AuthPolicy,
    default=AuthPolicy.ANY,
    description="client authentication accepted: basic, MD5 or HMAC; basic only (no MD5 secret is kept: setting"
    " it drops them); MD5 only; HMAC only (syncml:auth-MAC, the x-syncml-hmac header)",
)
SYNCML = SwitchSetting(
    name="syncml",
    default=True,
    description="SyncML for the whole server; when on, an account may sync if its domain is not disabled, the"
    " account is enabled, and the access list is empty or holds the account or its domain",
)
CONFLICT = ChoiceSetting(
    name="conflict",
    choices=ConflictPolicy,
    default=ConflictPolicy.MERGE,
    description="who wins when a device and the server changed the same item: merge fields (newest wins where"
    " both changed one), server-wins, client-wins, newest-wins, or keep both (duplicate)",
    per_account=True,
)
HISTORY_DAYS = CountSetting(
    name="history_days",
    default=30,
    maximum=36500,
    description="days that earlier versions of items (replaced, deleted, lost a conflict) and the sessions'"
    " timelines are kept",
)
TIMELINE_MESSAGES = CountSetting(
    name="timeline_messages",
    default=200,
    maximum=100_000,
    description="messages of each sync session kept for its timeline in the web admin (its latest ones, for"
    " history_days days); 0 keeps none",
)
MAIL_HEADERS_ONLY = SwitchSetting(
    name="mail_headers_only",
    default=False,
    description="devices get the headers of each mail only (the rest can be fetched by its ID)",
    per_account=True,
    per_domain=True,
)
MAIL_DAYS = CountSetting(
    name="mail_days",
    default=0,
    maximum=36500,
    description="devices get the mail of the last N days only (0: all of it)",
    per_account=True,
    per_domain=True,
)
MAIL_MAX_KB = CountSetting(
    name="mail_max_kb",
    default=0,
    maximum=1_000_000,
    description="devices get at most N KB of each mail, the rest said to be left out (0: whole mails)",
    per_account=True,
    per_domain=True,
)
MAIL_DELETE = ChoiceSetting(
    name="mail_delete",
    choices=MailRemoval,
    default=MailRemoval.TRASH,
    description="what a mail a device deletes becomes on the IMAP server: moved to Trash, or expunged",
    per_account=True,
    per_domain=True,
)
MAIL_FILTER_MAX = CountSetting(
    name="mail_filter_max",
    default=4096,
    maximum=1_000_000,
    description="the longest mail Filter a device may send, in characters; a longer one is refused (406)",
)

AnySetting = Setting[AuthPolicy] | Setting[bool] | Setting[ConflictPolicy] | Setting[int] | Setting[MailRemoval]
STORED_SETTINGS: tuple[AnySetting, ...] = (
    AUTH,
    SYNCML,
    CONFLICT,
    HISTORY_DAYS,
    MAIL_HEADERS_ONLY,
    MAIL_DAYS,
    MAIL_MAX_KB,
    MAIL_DELETE,
    MAIL_FILTER_MAX,
    TIMELINE_MESSAGES,
)
"""Every stored setting, in the order ``config show`` lists them."""
