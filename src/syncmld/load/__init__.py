"""``syncmld load``: many emulated devices syncing with a server at once, measured and checked."""

from syncmld.load.accounts import DEFAULT_PASSWORD, account_email, create_accounts
from syncmld.load.report import LoadReport
from syncmld.load.run import LOAD_AUTH, LoadSettings, run_load

__all__ = [
    "DEFAULT_PASSWORD",
    "LOAD_AUTH",
    "LoadReport",
    "LoadSettings",
    "account_email",
    "create_accounts",
    "run_load",
]
