"""The web admin's change sessions: a session's items (as ``syncmld history show``), what undoing it would do
(as ``syncmld undo --dry-run``) and the undo itself (a form with the session's CSRF token; items changed
since the session are conflicts, left alone unless "force" is ticked), each undo logged with the admin's
name."""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from syncmld.history.listing import (
    by_session,
    folder_counts,
    folder_names,
    plan_counts,
    shown_changes,
    shown_reversal,
)
from syncmld.history.undo import apply_undo, plan_undo
from syncmld.shown import shown_time
from syncmld.store.base import ChangeSession, Store, Transaction
from syncmld.web.auth import AdminAuth, FormError, read_form, render

logger = logging.getLogger(__name__)

SHOWN_ITEMS = 1000
"""Items of a session, or conflicts of an undo, listed on a page at most (``syncmld history show`` lists all)."""
SHOWN_SESSIONS = 20
"""An account's latest change sessions listed on its page (``syncmld history EMAIL`` lists all)."""


@dataclass(frozen=True)
class UndoView:
    """What an undo does or did, as its page shows it."""

    session: ChangeSession
    email: str
    put_back: int
    counts: list[str]
    """Per folder: how many items are re-added, restored and removed."""
    conflicts: list[str]
    conflict_count: int
    force: bool
    recorded: int | None = None
    """The undo's own session, once it is done (None: a preview, or nothing was put back)."""


def session_id(value: str) -> int:
    """A change session's id from a query or form; HTTP 400 with the reason when it is none."""
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise FormError(400, "a change session's id is a positive whole number")
    return int(value)


def session_title(session: ChangeSession) -> str:
    """``12, 2026-12-06 22:00:00 UTC, sync: IMEI:1``"""
    moment = shown_time(datetime.fromtimestamp(session.started_at, UTC))
    return f"{session.id}, {moment}, {session.source.value}: {session.label}"


class Changes:
    """The pages of change sessions and their undo."""

    def __init__(self, store: Store, form_size: int, auth: AdminAuth) -> None:
        self.store = store
        self.form_size = form_size
        self.auth = auth

    def routes(self) -> list[Route]:
        page = self.auth.logged_in
        return [
            Route("/changes", page(self.changes), methods=["GET"]),
            Route("/changes/undo", page(self.preview), methods=["GET"]),
            Route("/changes/undo", page(self.undo), methods=["POST"]),
        ]

    async def changes(self, request: Request) -> Response:
        wanted = session_id(request.query_params.get("id", ""))

        def read() -> dict[str, object] | None:
            with self.store.transaction() as tx:
                session = tx.get_change_session(wanted)
                account = None if session is None else tx.get_account_by_id(session.account_id)
                if session is None or account is None:
                    return None
                changes = shown_changes(tx, session)
            return {
                "session": session,
                "title": session_title(session),
                "email": account.email,
                "changes": changes[:SHOWN_ITEMS],
                "more": max(0, len(changes) - SHOWN_ITEMS),
            }

        shown = await run_in_threadpool(read)
        if shown is None:
            return PlainTextResponse(f"no change session {wanted} kept\n", status_code=404)
        return render("changes.html", request, **shown)

    async def preview(self, request: Request) -> Response:
        """What undoing the session would do; nothing is changed."""
        wanted = session_id(request.query_params.get("id", ""))
        force = request.query_params.get("force") == "1"
        return await self.shown_undo(request, wanted, force, apply=False)

    async def undo(self, request: Request) -> Response:
        fields = await read_form(request, self.form_size)
        wanted, force = session_id(fields.get("id", "")), fields.get("force") == "1"
        return await self.shown_undo(request, wanted, force, apply=True)

    async def shown_undo(self, request: Request, wanted: int, force: bool, apply: bool) -> Response:
        view = await run_in_threadpool(self.undo_view, wanted, force, apply)
        if view is None:
            return PlainTextResponse(f"no change session {wanted} kept\n", status_code=404)
        if apply:
            logger.info(
                "web admin %s: undid change session %d of %s: %d items put back%s",
                request.session.get("admin"),
                wanted,
                view.email,
                view.put_back,
                f", recorded as session {view.recorded}" if view.recorded is not None else "",
            )
        return render("undo.html", request, view=view, title=session_title(view.session), done=apply)

    def undo_view(self, wanted: int, force: bool, apply: bool) -> UndoView | None:
        """The undo of session ``wanted``, done when ``apply``; None when the store keeps no such session."""
        with self.store.transaction() as tx:
            session = tx.get_change_session(wanted)
            account = None if session is None else tx.get_account_by_id(session.account_id)
            if session is None or account is None:
                return None
            plan = plan_undo(tx, session)
            recorded = apply_undo(tx, plan, force, time.time()) if apply else None
            names = folder_names(tx, session.account_id)
        return UndoView(
            session,
            account.email,
            len(plan.to_apply(force)),
            plan_counts(plan, names, force),
            [shown_reversal(r, names) for r in plan.conflicts[:SHOWN_ITEMS]],
            len(plan.conflicts),
            force,
            recorded,
        )


def account_changes(tx: Transaction, account_id: int) -> tuple[list[tuple[ChangeSession, str]], int]:
    """The account's latest ``SHOWN_SESSIONS`` change sessions, the latest first, each with its counts per
    folder; and how many it has in all."""
    names = folder_names(tx, account_id)
    grouped = by_session(tx.list_change_sessions(account_id))
    latest = grouped[-SHOWN_SESSIONS:][::-1]
    return [(entries[0].session, folder_counts(entries, names)) for entries in latest], len(grouped)
