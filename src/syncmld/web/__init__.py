"""The web admin at ``/admin``: server-rendered pages (Starlette, Jinja2) over the store's roles.

Off (404) while no admin user exists (``syncmld admin add``); refused (403) to clients outside
``--admin-allow-ips``. Its own login, throttled like SyncML logins; a signed session cookie; a CSRF
token in every form. See ``auth`` for the login, ``pages`` for what the pages show and change, ``manage``
for the changes to accounts and domains, and ``changes`` for change sessions and their undo.
"""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from syncmld.config import ServerConfig
from syncmld.server_key import derived_key, load_server_key
from syncmld.store.base import Store
from syncmld.web.auth import SESSION_COOKIE, AdminAuth
from syncmld.web.changes import Changes
from syncmld.web.manage import Manage
from syncmld.web.pages import Pages

ADMIN_PATH = "/admin"


def admin_app(store: Store, config: ServerConfig) -> Starlette:
    """The web admin, to be mounted at ``ADMIN_PATH``."""
    secret = derived_key(load_server_key(config.key_file), "admin sessions").hex()
    auth = AdminAuth(store, config)
    pages = Pages(store, config, auth)
    manage = Manage(store, config, auth)
    changes = Changes(store, config.admin_form_size, auth)
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=config.admin_session_lifetime,
            path=ADMIN_PATH,
            same_site="strict",
            https_only=config.tls_cert is not None,
        )
    ]
    routes = [*auth.routes(), *pages.routes(), *manage.routes(), *changes.routes()]
    return Starlette(routes=routes, middleware=middleware)
