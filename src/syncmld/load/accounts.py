"""The accounts the emulated devices sync with: ``load1@load.example`` ... ``loadK@load.example``."""

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.store.base import Store

DEFAULT_PASSWORD = "load-secret"


def account_email(number: int) -> str:
    """The e-mail address of load account ``number`` (counted from 1)."""
    return f"load{number}@load.example"


def create_accounts(store: Store, count: int, password: str) -> list[str]:
    """Create load accounts 1..``count`` empty, removing any earlier account of the same name first."""
    password_hash = hash_password(password)  # one scrypt for all: the accounts share the password
    emails = [account_email(number) for number in range(1, count + 1)]
    with store.transaction() as tx:
        for email in emails:
            if tx.get_account(email) is not None:
                tx.remove_account(email)
            tx.add_account(email, md5_credential(email, password), password_hash, item_key(password))
    return emails
