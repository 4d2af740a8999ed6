"""Devices syncing mail with the engine in process (real XML codec, real store), the mailbox in Dovecot."""

from collections.abc import Callable
from dataclasses import dataclass

from syncmld.accounts import hash_password, item_key, md5_credential
from syncmld.client import Device
from syncmld.client.email import EMAIL_TYPE, MailItem, mail_devinf, parse_email_object
from syncmld.client.in_process import in_process_transport
from syncmld.engine import EngineContext, EngineSettings
from syncmld.mail.gateway import MailServers
from syncmld.store.base import MailServer, Store
from tests.mail.dovecot import Dovecot, SmtpSink

URL = "http://sync.example.org/syncml"


@dataclass
class MailSetup:
    store: Store
    ctx: EngineContext
    email: str
    password: str

    def device(
        self,
        device_id: str,
        content_type: str = EMAIL_TYPE,
        server_db: str = "mail",
        local_uri: str = "./Mail",
        folders: bool = False,
        **options: object,
    ) -> Device:
        """A phone syncing ``server_db``; with ``folders`` its DevInf takes folder objects (it gets the tree),
        sent alone before its Alert as such phones do."""
        return Device(
            transport=in_process_transport(self.store, self.ctx),
            url=URL,
            user=self.email,
            password=self.password,
            device_id=device_id,
            server_db=server_db,
            local_uri=local_uri,
            content_type=content_type,
            devinf=mail_devinf(local_uri, content_type, folders),
            devinf_alone=folders,
            **options,  # type: ignore[arg-type]
        )


def set_up(store: Store, dovecot: Dovecot, smtp: SmtpSink, email: str, password: str) -> MailSetup:
    """The account on the store, its domain's mail on the Dovecot, an engine that reaches it."""
    with store.transaction() as tx:
        tx.add_account(email, md5_credential(email, password), hash_password(password), item_key(password))
        tx.set_mail_server(
            MailServer(email.partition("@")[2], f"imap://127.0.0.1:{dovecot.port}", f"smtp://127.0.0.1:{smtp.port}")
        )
    ctx = EngineContext(settings=EngineSettings(), mail=MailServers(store, timeout=10))
    return MailSetup(store, ctx, email, password)


def mails(device: Device, read: Callable[[bytes], MailItem] = parse_email_object) -> dict[str, MailItem]:
    return {luid: read(data) for luid, data in device.items.items()}
