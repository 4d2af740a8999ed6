"""Sending a device's mail through SMTP (smtplib: synchronous like the engine's thread, in the standard
library, and it reports refused recipients one by one)."""

import smtplib
import ssl
from email import message_from_bytes, policy
from email.utils import getaddresses

from syncmld.mail.model import MailError, MailLogin, Security
from syncmld.status import StatusCode


class Refused(MailError):
    """The SMTP server refused the mail or its recipients for good (the device's mail is at fault)."""

    status = StatusCode.COMMAND_FAILED


def recipients(message: bytes) -> tuple[str, list[str]]:
    """The sender and the recipients (To, Cc, Bcc) of a message; Refused when it names none."""
    parsed = message_from_bytes(message, policy=policy.compat32)
    sender = next((address for _, address in getaddresses(parsed.get_all("From", []))), "")
    to = [
        address
        for _, address in getaddresses(
            [*parsed.get_all("To", []), *parsed.get_all("Cc", []), *parsed.get_all("Bcc", [])]
        )
        if address
    ]
    if not to:
        raise Refused("the mail names no recipient (To, Cc, Bcc)")
    return sender, to


def send(login: MailLogin, message: bytes, timeout: float, context: ssl.SSLContext) -> str:
    """Send ``message`` as ``login``'s account; the server's answer. Refused (500) when the server refuses
    it or every recipient, MailError 503 when it cannot be reached or fails, 401 when it refuses the login."""
    endpoint = login.smtp
    where = f"SMTP server {endpoint.host}:{endpoint.port}"
    sender, to = recipients(message)
    without_bcc = b"\r\n".join(line for line in message.split(b"\r\n") if not line.lower().startswith(b"bcc:"))
    try:
        client: smtplib.SMTP
        if endpoint.security == Security.TLS:
            client = smtplib.SMTP_SSL(endpoint.host, endpoint.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(endpoint.host, endpoint.port, timeout=timeout)
        with client:
            if endpoint.security == Security.STARTTLS:
                client.starttls(context=context)
            if endpoint.security != Security.PLAIN or client.has_extn("auth"):
                client.login(login.user, login.password)
            refused = client.sendmail(sender or login.account, to, without_bcc)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"{where} refused the login of {login.account}: {error}", StatusCode.INVALID_CREDENTIALS
        ) from error
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        raise Refused(f"{where} refused the mail: {error}") from error
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{where} failed: {error}", StatusCode.SERVICE_UNAVAILABLE) from error
    if refused:
        return f"sent, but refused for {', '.join(sorted(refused))}"
    return f"sent to {len(to)} recipients"
