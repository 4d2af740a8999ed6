"""The web admin's pages: the dashboard (syncs and failures per hour), accounts (enable, disable), an
account (devices with their last syncs and "forget", its sessions, its change sessions, folders, backups
with "restore"), a session's timeline, and the settings ``config show`` lists."""

import logging
import re
import time
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from syncmld.accounts import normalise_email
from syncmld.backup import DEFAULT_MAX_ITEM_SIZE, BackupStore, restore_backup
from syncmld.config import ServerConfig, backups_dir
from syncmld.errors import InvalidEmail, SettingError, SyncMLError
from syncmld.history.recording import restore_session
from syncmld.log import SID_LENGTH
from syncmld.settings import AUTH, STORED_SETTINGS
from syncmld.store import SQLITE_FILE_NAME
from syncmld.store.base import NotFound, Store, hour_of
from syncmld.web.auth import AdminAuth, FormError, read_form, render
from syncmld.web.changes import account_changes
from syncmld.web.devices import device_view
from syncmld.web.plots import hourly_plot, timing_plot

logger = logging.getLogger(__name__)

SETTINGS = {setting.name: setting for setting in STORED_SETTINGS}
DASHBOARD_DAYS = 7
"""Days of syncs per hour the dashboard plots."""
SESSIONS_SHOWN = 20
"""An account's latest sessions listed on its page."""
SESSION_ID = re.compile(f"[0-9a-f]{{{SID_LENGTH}}}")


def shown_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def form_email(fields: dict[str, str]) -> str:
    try:
        return normalise_email(fields.get("email", ""))
    except InvalidEmail as error:
        raise FormError(400, str(error)) from error


class Pages:
    def __init__(self, store: Store, config: ServerConfig, auth: AdminAuth) -> None:
        self.store = store
        self.config = config
        self.auth = auth

    def routes(self) -> list[Route]:
        page = self.auth.logged_in
        return [
            Route("/", page(self.dashboard), methods=["GET"]),
            Route("/accounts", page(self.accounts), methods=["GET"]),
            Route("/accounts/enabled", page(self.set_enabled), methods=["POST"]),
            Route("/account", page(self.account), methods=["GET"]),
            Route("/session", page(self.session), methods=["GET"]),
            Route("/devices/forget", page(self.forget_device), methods=["POST"]),
            Route("/backups/restore", page(self.restore), methods=["POST"]),
            Route("/backups/download", page(self.download), methods=["GET"]),
            Route("/settings", page(self.settings), methods=["GET"]),
            Route("/settings", page(self.set_setting), methods=["POST"]),
        ]

    def back(self, request: Request, path: str) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}{path}", status_code=303)

    async def dashboard(self, request: Request) -> Response:
        def read() -> dict[str, object]:
            with self.store.transaction() as tx:
                accounts = tx.list_accounts()
                active = tx.count_sessions(time.time() - self.config.session_timeout)
                recent = [
                    (account.email, device.device_ref, record)
                    for account in accounts
                    for device in tx.list_devices(account.id)
                    for record in tx.list_device_syncs(device.id)
                ]
                first_hour = hour_of(time.time()) - DASHBOARD_DAYS * 24 + 1
                hours = tx.hour_counts(first_hour)
            recent.sort(key=lambda entry: entry[2].finished_at, reverse=True)
            database = self.config.data_dir / SQLITE_FILE_NAME
            totals = {
                name: sum(getattr(hour, name) for hour in hours) for name in ("syncs", "failed", "refused_logins")
            }
            return {
                "days": DASHBOARD_DAYS,
                "hourly": hourly_plot(hours, first_hour, DASHBOARD_DAYS * 24),
                "totals": totals,
                "accounts": len(accounts),
                "active": active,
                "storage": database.stat().st_size if self.config.db is None and database.exists() else None,
                "recent": [(email, ref, record, shown_time(record.finished_at)) for email, ref, record in recent[:20]],
            }

        return render("dashboard.html", request, **await run_in_threadpool(read))

    async def accounts(self, request: Request) -> Response:
        def read() -> dict[str, object]:
            with self.store.transaction() as tx:
                return {"accounts": tx.list_accounts(), "domains": tx.list_domains(), "access": tx.list_access()}

        return render("accounts.html", request, **await run_in_threadpool(read))

    async def set_enabled(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email, enabled = form_email(fields), fields.get("enabled") == "1"

        def change() -> None:
            with self.store.transaction() as tx:
                tx.set_account_enabled(email, enabled)

        try:
            await run_in_threadpool(change)
        except NotFound:
            return PlainTextResponse(f"no account {email}\n", status_code=404)
        logger.info("web admin %s: SyncML %s for account %s", request.session.get("admin"), enabled, email)
        return self.back(request, "/accounts")

    async def account(self, request: Request) -> Response:
        try:
            email = normalise_email(request.query_params.get("email", ""))
        except InvalidEmail as error:
            return PlainTextResponse(f"{error}\n", status_code=400)

        def read() -> dict[str, object] | None:
            with self.store.transaction() as tx:
                account = tx.get_account(email)
                if account is None:
                    return None
                kept = tx.list_folders(account.id)
                sessions = tx.list_timeline_sessions(account.id, SESSIONS_SHOWN)
                pushes = tx.list_pushes(account.id)
                devices = [
                    device_view(tx, device, kept, sessions, pushes.get(device.id))
                    for device in tx.list_devices(account.id)
                ]
                folders = [(folder.name, tx.count_items(folder.id)) for folder in kept]
                changes, change_count = account_changes(tx, account.id)
            backups = BackupStore(backups_dir(self.config.data_dir)).list_backups(email)
            return {
                "account": account,
                "devices": devices,
                "folders": folders,
                "sessions": sessions,
                "changes": changes,
                "change_count": change_count,
                "backups": backups,
                "time": shown_time,
            }

        shown = await run_in_threadpool(read)
        if shown is None:
            return PlainTextResponse(f"no account {email}\n", status_code=404)
        return render("account.html", request, **shown)

    async def session(self, request: Request) -> Response:
        session = request.query_params.get("id", "")
        if not SESSION_ID.fullmatch(session):
            return PlainTextResponse("a session id is 12 hexadecimal digits\n", status_code=400)

        def read() -> dict[str, object] | None:
            with self.store.transaction() as tx:
                messages = tx.session_timeline(session)
                account = tx.get_account_by_id(messages[0].account_id) if messages else None
            if account is None:
                return None
            plot = timing_plot(messages)
            return {"session": session, "email": account.email, "messages": messages, "plot": plot, "time": shown_time}

        shown = await run_in_threadpool(read)
        if shown is None:
            return PlainTextResponse(f"no session {session} kept\n", status_code=404)
        return render("session.html", request, **shown)

    async def forget_device(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email, device = form_email(fields), fields.get("device", "")

        def forget() -> None:
            with self.store.transaction() as tx:
                account = tx.get_account(email)
                if account is None:
                    raise NotFound(f"no account {email}")
                tx.forget_device(account.id, device)

        try:
            await run_in_threadpool(forget)
        except NotFound as error:
            return PlainTextResponse(f"{error}\n", status_code=404)
        logger.info("web admin %s: forgot device %s of %s", request.session.get("admin"), device, email)
        return self.back(request, f"/account?email={email}")

    async def restore(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        email, name = form_email(fields), fields.get("backup", "")

        def restore() -> dict[str, int]:
            archive = BackupStore(backups_dir(self.config.data_dir)).read_backup(name, DEFAULT_MAX_ITEM_SIZE)
            with self.store.transaction() as tx:
                account = tx.get_account(email)
                if account is None:
                    raise NotFound(f"no account {email}")
                tx.record_changes_as(restore_session(account.id, archive.name, time.time()))
                return restore_backup(archive, tx, account.id, None)

        try:
            counts = await run_in_threadpool(restore)
        except SyncMLError as error:
            return PlainTextResponse(f"{error}\n", status_code=400)
        logger.info("web admin %s: restored %s to %s: %s", request.session.get("admin"), name, email, counts)
        return self.back(request, f"/account?email={email}&restored={sum(counts.values())}")

    async def download(self, request: Request) -> Response:
        """A backup archive as a file to keep elsewhere."""
        backups = BackupStore(backups_dir(self.config.data_dir))
        try:
            path = backups.path_of(request.query_params.get("name", ""))
        except SyncMLError as error:
            return PlainTextResponse(f"{error}\n", status_code=400)
        if not path.is_file():
            return PlainTextResponse(f"no backup {path.name}\n", status_code=404)
        logger.info("web admin %s: downloaded backup %s", request.session.get("admin"), path.name)
        return FileResponse(path, media_type="application/zip", filename=path.name)

    def setting_rows(self) -> list[tuple[str, str, str, str]]:
        """Every setting: name, value in effect (or its default), the values it takes, what it does."""
        with self.store.transaction() as tx:
            stored = tx.list_settings()
        return [
            (s.name, stored.get(s.name, f"{s.default_text} (default)"), s.values_text, s.description)
            for s in STORED_SETTINGS
        ]

    async def settings(self, request: Request) -> Response:
        return render("settings.html", request, rows=await run_in_threadpool(self.setting_rows))

    async def set_setting(self, request: Request) -> Response:
        fields = await read_form(request, self.config.admin_form_size)
        setting = SETTINGS.get(fields.get("name", ""))
        if setting is None:
            return PlainTextResponse("no such setting\n", status_code=400)
        if setting is AUTH:
            return PlainTextResponse("change auth with syncmld config set auth: it changes accounts' secrets\n", 400)
        try:
            value = setting.checked(fields.get("value", ""))
        except SettingError as error:
            rows = await run_in_threadpool(self.setting_rows)
            return render("settings.html", request, 400, rows=rows, error=f"{setting.name}: {error}")

        def change() -> None:
            with self.store.transaction() as tx:
                tx.set_setting(setting.name, value)

        await run_in_threadpool(change)
        logger.info("web admin %s: %s = %s", request.session.get("admin"), setting.name, value)
        return self.back(request, "/settings")
