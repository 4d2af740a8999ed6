"""CardDAV (RFC 6352) and CalDAV (RFC 4791) over the account's folders, sans-IO.

``handler.handle`` takes a parsed HTTP request (``api.DavRequest``) and a ``backend.DavBackend`` (the
account's collections and items) and returns the response; HTTP stays in ``syncmld.server.dav`` and the
store in ``adapter``. Request bodies are read with lxml, entities and network off (``xml``).
"""
