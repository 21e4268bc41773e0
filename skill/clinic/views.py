"""The ``/clinic`` blueprint: the routes, who may see what, and the session settings.

Sign-in is Flask-Login's session over Flask's signed cookie (Secure, HttpOnly,
SameSite=Strict, 8 hours); every form carries Flask-WTF's CSRF token; a clinician sees
and changes only the plans they own (another's plan is "not found").  The plans are
the same PlanStore the CLI writes, and the report is the CLI's ``build_report``.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Request,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.wrappers import Response as BaseResponse

from ..cli import POSITION_TITLES
from ..coach.catalog import CONTENT_DIR, Catalog, ContentError, Exercise
from ..coach.prescription import Prescription, parse_prescription
from ..plan_cli import build_report
from ..responses import CSP, DEFAULT_CSP, Response
from ..settings import Settings
from ..store import Store, StoreUnavailableError
from ..store.base import PlanStore
from .accounts import MAX_FAILURES, Accounts, accounts_for, normal_email, password_matches
from .follow import calendar, ordered_events, red_flags
from .forms import ActionForm, SignInForm, chosen_items, plan_data, prescription_form
from .plot import plot_svg

log = logging.getLogger("skill.clinic")

# The clinic's pages load their own stylesheet and plot, post only to themselves.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The plot is an image: its own inline styles, and nothing else (no script runs).
PLOT_CSP = "default-src 'none'; style-src 'unsafe-inline'"
SESSION_HOURS = 8

bp = Blueprint(
    "clinic", __name__, url_prefix="/clinic", template_folder="templates", static_folder="static"
)


csrf = CSRFProtect()


@bp.before_request
def csrf_checked() -> None:
    """Every POST to /clinic carries the session's CSRF token (else 400), whatever the
    view; the webhook's own POST /alexa is not a form and is not checked."""
    csrf.protect()


def _app_wide_hooks(app: Flask) -> tuple[list[Any], list[Any]]:
    """The app's request hooks for every path (before, after), as they are now."""
    return (
        list(app.before_request_funcs.get(None, [])),
        list(app.after_request_funcs.get(None, [])),
    )


def _scope_new_hooks_to_clinic(app: Flask, earlier: tuple[list[Any], list[Any]]) -> None:
    """Run the hooks Flask-WTF and Flask-Login added for every path under /clinic only.

    Outside /clinic they do nothing: CSRFProtect's app-wide check is off
    (WTF_CSRF_CHECK_DEFAULT; ``csrf_checked`` checks /clinic), and Flask-Login's
    remember-cookie hook finds no session there (ClinicSessions).  Yet each webhook
    request paid about 20 µs for them (issue 21)."""
    scopes: tuple[dict[Any, list[Any]], ...] = (app.before_request_funcs, app.after_request_funcs)
    for hooks, before in zip(scopes, earlier, strict=True):
        added = [hook for hook in hooks.get(None, []) if hook not in before]
        hooks[None] = before
        hooks.setdefault(bp.name, []).extend(added)


class Clinician(UserMixin):
    def __init__(self, email: str) -> None:
        self.id = email


def _parts() -> dict[str, Any]:
    found: dict[str, Any] = current_app.extensions["clinic"]
    return found


def _plans() -> PlanStore:
    plans: PlanStore = _parts()["plans"]
    return plans


def _catalog() -> Catalog:
    catalog: Catalog = _parts()["catalog"]
    return catalog


def _accounts() -> Accounts:
    accounts: Accounts = _parts()["accounts"]
    return accounts


def handout_order(catalog: Catalog) -> list[Exercise]:
    """The exercises as the handouts number them: A 1, 2, ... then B 1, 2, ..."""
    return sorted(catalog.exercises.values(), key=lambda e: (e.source.handout, e.source.number))


def _now() -> datetime:
    return datetime.now(UTC)


def _own_plan(plan_id: str) -> dict[str, Any]:
    """The signed-in clinician's plan, or 404 (another's plan is not shown to exist)."""
    plan = _plans().plan(plan_id) if len(plan_id) <= 64 else None
    if plan is None or plan.get("owner") != current_user.id:
        abort(404)
    return plan


# --- signing in and out ------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | BaseResponse:
    """Sign in; refused (401) for a wrong address or password alike, and (429) while
    the address is locked after MAX_FAILURES failures, even with the right password."""
    form = SignInForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return Response(render_template("clinic/sign_in.html", form=form, problem=None), status)
    try:
        email = normal_email(form.email.data or "")
    except ValueError:
        email = ""
    accounts = _accounts()
    if email and accounts.failures(email) >= MAX_FAILURES:
        page = render_template("clinic/sign_in.html", form=form, problem="locked")
        return Response(page, 429)
    if email and password_matches(accounts.password_hash(email), form.password.data or ""):
        accounts.clear(email)
        session.permanent = True  # expires after SESSION_HOURS
        login_user(Clinician(email))
        log.info("clinician signed in")
        return redirect(url_for("clinic.plans"))
    if email:
        accounts.fail(email)
    return Response(render_template("clinic/sign_in.html", form=form, problem="mismatch"), 401)


@bp.post("/sign-out")
@login_required
def sign_out() -> BaseResponse:
    logout_user()
    return redirect(url_for("clinic.sign_in"))


# --- the plans ------------------------------------------------------------------------


@bp.get("/")
@login_required
def plans() -> str:
    store = _plans()
    mine = [p for p in reversed(store.plans()) if p.get("owner") == current_user.id]
    rows = [(p, len(store.linked_users(p["id"]))) for p in mine]
    return render_template("clinic/plans.html", rows=rows, catalog=_catalog())


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def prescribe() -> str | BaseResponse:
    form = _form_class()()
    prescription, problem = _validated(form)
    if prescription is not None:
        plan_id, _ = _plans().create(
            {**prescription.to_dict(), "owner": current_user.id},
            _now().isoformat(timespec="seconds"),
            form.links.data,
        )
        return redirect(url_for("clinic.plan", plan_id=plan_id))
    return _form_page(form, problem, url_for("clinic.prescribe"), None)


@bp.route("/plans/<plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: str) -> str | BaseResponse:
    """A new version of the plan: its codes and linked people kept, the people told
    once at their next launch that it changed."""
    found = _own_plan(plan_id)
    form_class = _form_class()
    form = form_class(data=plan_data(form_class, found))
    prescription, problem = _validated(form)
    if prescription is not None:
        stored = {**prescription.to_dict(), "links_allowed": form.links.data}
        if _plans().revise(plan_id, stored, _now().isoformat(timespec="seconds")) is None:
            abort(404)
        return redirect(url_for("clinic.plan", plan_id=plan_id))
    return _form_page(form, problem, url_for("clinic.edit", plan_id=plan_id), found)


def _form_class() -> type[FlaskForm]:
    catalog = _catalog()
    return prescription_form(catalog, handout_order(catalog))


def _validated(form: FlaskForm) -> tuple[Prescription | None, str | None]:
    """The submitted prescription, checked as ``plan create`` checks a file; or None
    and why not (None, None for a page not yet submitted)."""
    if not form.validate_on_submit():
        return None, None
    data: dict[str, Any] = {"exercises": chosen_items(form)}
    for key in ("patient", "note"):
        if form[key].data:
            data[key] = form[key].data
    try:
        return parse_prescription(data, _catalog(), "the prescription"), None
    except ContentError as error:
        return None, str(error)


def _form_page(
    form: FlaskForm, problem: str | None, action: str, plan: dict[str, Any] | None
) -> Response:
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "clinic/prescribe.html",
        form=form,
        groups=_groups(form.rows),
        problem=problem,
        action=action,
        plan=plan,
    )
    return Response(page, status)


def _groups(rows: list[Any]) -> list[tuple[str, list[Any]]]:
    """The form's rows by handout and position, in the handout's order."""
    groups: list[tuple[str, list[Any]]] = []
    for row in rows:
        exercise = row.exercise
        title = f"Handout {exercise.source.handout}: {POSITION_TITLES[exercise.position]}"
        if not groups or groups[-1][0] != title:
            groups.append((title, []))
        groups[-1][1].append(row)
    return groups


@bp.get("/plans/<plan_id>")
@login_required
def plan(plan_id: str) -> str:
    found = _own_plan(plan_id)
    store = _plans()
    report = build_report(found, store, _catalog(), _now())
    people = [
        {**person, "calendar": calendar(person), "events": ordered_events(person)}
        for person in report["linked"]
    ]
    return render_template(
        "clinic/plan.html",
        plan=found,
        items=_items(found),
        codes=store.codes(plan_id),
        people=people,
        red_flags=red_flags(report),
        form=ActionForm(),
    )


def _items(plan: dict[str, Any]) -> list[tuple[Exercise, dict[str, Any]]]:
    catalog = _catalog()
    return [(catalog[i["id"]], i) for i in plan.get("exercises") or [] if i["id"] in catalog]


@bp.get("/plans/<plan_id>/sheet")
@login_required
def sheet(plan_id: str) -> str:
    found = _own_plan(plan_id)
    return render_template(
        "sheet.html", plan=found, items=_items(found), codes=_plans().codes(plan_id)
    )


@bp.get("/plans/<plan_id>/plot.svg")
@login_required
def plot(plan_id: str) -> Response:
    found = _own_plan(plan_id)
    report = build_report(found, _plans(), _catalog(), _now())
    response = Response(plot_svg(report), mimetype="image/svg+xml")
    response.headers[CSP] = PLOT_CSP
    return response


@bp.post("/plans/<plan_id>/codes")
@login_required
def new_code(plan_id: str) -> BaseResponse:
    _own_plan(plan_id)
    _plans().new_code(plan_id)
    return redirect(url_for("clinic.plan", plan_id=plan_id))


@bp.post("/plans/<plan_id>/codes/<code>/revoke")
@login_required
def revoke(plan_id: str, code: str) -> BaseResponse:
    _own_plan(plan_id)
    store = _plans()
    if dict(store.codes(plan_id)).get(code) is None:
        abort(404)
    store.revoke(code)
    return redirect(url_for("clinic.plan", plan_id=plan_id))


@bp.post("/plans/<plan_id>/devices/<int:number>/unlink")
@login_required
def unlink(plan_id: str, number: int) -> BaseResponse:
    _own_plan(plan_id)
    store = _plans()
    linked = store.linked_users(plan_id)
    if not 1 <= number <= len(linked):
        abort(404)
    store.unlink(plan_id, linked[number - 1])
    return redirect(url_for("clinic.plan", plan_id=plan_id))


# --- errors and headers -----------------------------------------------------------------


def _error_page(status: int) -> tuple[str, int]:
    """The page for an error: its words are in clinic/error.html, by status."""
    return render_template("clinic/error.html", status=status), status


@bp.errorhandler(400)
def bad_request(_error: Exception) -> tuple[str, int]:
    return _error_page(400)


@bp.errorhandler(CSRFError)
def no_token(_error: Exception) -> tuple[str, int]:
    return _error_page(400)


@bp.errorhandler(404)
def not_found(_error: Exception) -> tuple[str, int]:
    return _error_page(404)


@bp.errorhandler(StoreUnavailableError)
def store_down(_error: Exception) -> tuple[str, int]:
    return _error_page(503)


@bp.after_request
def page_headers(response: Response) -> Response:
    if response.headers.get(CSP) == DEFAULT_CSP:  # not a page's own (the plot's)
        response.headers[CSP] = PAGE_CSP
    return response


def _secret_key(settings: Settings) -> str:
    key = settings.extras.get("clinic_secret_key") or os.environ.get("BACKCOACH_SECRET_KEY")
    if key:
        return str(key)
    log.warning(
        "BACKCOACH_SECRET_KEY is not set: clinicians' sign-ins last only as long as this "
        "process (and do not carry between gunicorn workers)"
    )
    return secrets.token_hex(32)


class ClinicSessions(SecureCookieSessionInterface):
    """Signed cookie sessions under ``/clinic`` only.  Every other request (POST /alexa
    above all, many a second) gets Flask's null session: the session cookie's path is
    /clinic, so no other request carries one, and opening and saving a session cost
    about 7% of the webhook's instructions per request (issue 21)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(bp.url_prefix or "/clinic"):
            return None  # Flask makes the null session: read as empty, never saved
        return super().open_session(app, request)


def install_clinic(app: Flask, catalog: Catalog, store: Store, settings: Settings) -> None:
    """Add ``/clinic`` to the webhook's app, over its store's plans."""
    app.session_interface = ClinicSessions()
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_NAME="backcoach_clinic",
        SESSION_COOKIE_SECURE=bool(settings.extras.get("clinic_secure_cookies", True)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/clinic",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # Flask-Login's "remember me" cookie is never set (no such box); it only clears
        # one, and that with the session's flags.
        REMEMBER_COOKIE_SECURE=bool(settings.extras.get("clinic_secure_cookies", True)),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Strict",
        REMEMBER_COOKIE_PATH="/clinic",
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by csrf_checked, for /clinic only
        WTF_CSRF_SSL_STRICT=bool(settings.extras.get("clinic_secure_cookies", True)),
    )
    app_hooks = _app_wide_hooks(app)
    csrf.init_app(app)
    app.extensions["clinic"] = {
        "plans": store.plan_store(),
        "catalog": catalog,
        "accounts": settings.extras.get("clinic_accounts") or accounts_for(store),
    }
    manager = LoginManager(app)
    manager.login_view = "clinic.sign_in"
    manager.login_message = "Sign in to see your patients' plans."
    manager.session_protection = "strong"
    _scope_new_hooks_to_clinic(app, app_hooks)

    @manager.user_loader
    def load(user_id: str) -> Clinician | None:
        return Clinician(user_id) if _accounts().password_hash(user_id) else None

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(CONTENT_DIR / "clinic"),
            *([app.jinja_loader] if app.jinja_loader else []),
        ]
    )
    app.register_blueprint(bp)
