"""E-mail: the account's mailbox on its IMAP server, mail sent through SMTP; syncmld stores no mail.

``model`` holds what the engine works with (logins, listings, changes: plain data, no I/O);
``servers`` reads the mail server URLs; ``imap`` and ``smtp`` do the I/O, called by the engine's
caller between two attempts at a message or after it (see ``engine.mail``), never inside a store
transaction.
"""
