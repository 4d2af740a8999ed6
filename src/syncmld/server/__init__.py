"""The HTTP shell: the ASGI app (``create_app``) and ``syncmld serve`` (``serve.run_server``)."""

from syncmld.server.app import create_app

__all__ = ["create_app"]
