"""Accounts backed by an external CalDAV/CardDAV server (the upstream), synced as a peer of their devices.

``client`` is a small DAV client on httpx (PROPFIND, REPORT sync-collection and multiget, GET, PUT with
If-Match, DELETE); ``discovery`` finds the account's address books and calendars from any URL (RFC 6764,
6352, 4791) and ``mapping`` links them to folders; ``sync`` pulls the upstream's changes into the store as a
pseudo-device of the account and pushes the folders' changes up; ``runner`` is what the server calls: a pull
bounded by a timeout when a device's session starts, a push after it, and retries of unsent changes. The
SyncML engine knows nothing of it: the upstream's changes reach devices through the change log.
"""
