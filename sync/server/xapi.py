"""The stored learning events as xAPI 1.0.3 statements: `GET /xapi/statements`.

A read-only Statement resource for reporting tools and other learning record stores, plus the
statement mapping the LRS forwarder (`lrs_forward.py`) sends. One event is one statement with
the event's id, so a statement is the same whoever asks and however often: choose the public
URL (`SLATE_SERVER_PUBLIC_URL`) once, since it is part of every learner's identity.

Readers authenticate with HTTP Basic credentials from `SLATE_XAPI_USER` and
`SLATE_XAPI_PASSWORD` (a laptop's token cannot read statements). Paging: `more` holds an
opaque cursor (the query and the keyset (stored, id) of the last statement sent), never a
time the client has to compute. Details: docs/sync-protocol.md, "xAPI".
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations at runtime.

import base64
import binascii
import hmac
import json
import math
import os
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sync.server.models import Event

XAPI_VERSION = "1.0.3"
VERSION_HEADER = "X-Experience-API-Version"
CONSISTENT_HEADER = "X-Experience-API-Consistent-Through"
ENV_PUBLIC_URL = "SLATE_SERVER_PUBLIC_URL"
ENV_USER = "SLATE_XAPI_USER"
ENV_PASSWORD = "SLATE_XAPI_PASSWORD"
DEFAULT_PUBLIC_URL = "http://slate.invalid"

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Pushes compute their `stored` time before they wait for the write lock, so a statement can
# become visible up to this long after its `stored` time (a busy timeout plus a long batch).
CONSISTENCY_MARGIN = timedelta(seconds=60)

# Slate's own IRIs, beside the verbs it already names under slate.example.org (app/events.py).
EXTENSION_BASE = "https://slate.example.org/xapi/extensions/"
PLATFORM = "Slate"
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
# An absolute IRI as RFC 3987 has it, near enough: a scheme, then no space, no control
# character and none of the characters IRIs exclude.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
_RESULT_KEYS = {
    "score",
    "score_scaled",
    "score_raw",
    "score_min",
    "score_max",
    "success",
    "completion",
    "response",
    "duration",
}


@dataclass(frozen=True)
class XapiSettings:
    public_url: str
    user: str | None
    password: str | None

    @classmethod
    def from_env(cls) -> "XapiSettings":
        public = (os.environ.get(ENV_PUBLIC_URL) or DEFAULT_PUBLIC_URL).strip().rstrip("/")
        return cls(public, os.environ.get(ENV_USER) or None, os.environ.get(ENV_PASSWORD) or None)

    def school_home_page(self, school_id: str) -> str:
        return f"{self.public_url}/schools/{school_id}"


# -- one event as one statement ------------------------------------------------------------


def statement(event: Event, settings: XapiSettings) -> dict[str, Any]:
    """The xAPI 1.0.3 statement for a stored event."""
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": settings.school_home_page(event.school_id), "name": event.user_id},
    }
    if event.user_name and event.user_name.strip():
        actor["name"] = event.user_name
    out: dict[str, Any] = {
        "id": event.id,
        "actor": actor,
        "verb": {
            "id": verb_iri(event.verb, settings),
            "display": {"en-US": _verb_word(event.verb)},
        },
        "object": {"objectType": "Activity", "id": activity_iri(event.object_id, settings)},
    }
    result = _result(event.result or {}, event.context or {})
    if result:
        out["result"] = result
    out["context"] = _context(event, settings)
    out["timestamp"] = _iso(_server_time(event))
    out["stored"] = _iso(event.received_at)
    out["authority"] = {
        "objectType": "Agent",
        "name": "Slate server",
        "account": {"homePage": settings.public_url, "name": "slate-server"},
    }
    out["version"] = XAPI_VERSION
    return out


def verb_iri(verb: str, settings: XapiSettings) -> str:
    return verb if _IRI.match(verb) else f"{settings.public_url}/xapi/verbs/{quote(verb, safe='')}"


def activity_iri(object_id: str, settings: XapiSettings) -> str:
    if _IRI.match(object_id):
        return object_id
    return f"{settings.public_url}/xapi/activities/{quote(object_id, safe='')}"


def _stored_id(iri: str, prefix: str) -> str:
    """The stored verb or object id a statement IRI stands for (the inverse of the above)."""
    return unquote(iri[len(prefix) :]) if iri.startswith(prefix) else iri


def _verb_word(verb: str) -> str:
    word = verb.rstrip("/").rsplit("/", 1)[-1]
    return word or verb


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _score(result: dict[str, Any]) -> dict[str, float]:
    given = result.get("score")
    nested: dict[str, Any] = given if isinstance(given, dict) else {}
    parts = {
        name: _number(nested.get(name, result.get(f"score_{name}")))
        for name in ("scaled", "raw", "min", "max")
    }
    score = {name: value for name, value in parts.items() if value is not None}
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and low >= high:
        score.pop("min"), score.pop("max")  # an impossible range says nothing
        low = high = None
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        score.pop("raw")
        raw = None
    if "scaled" not in score and raw is not None and high is not None and high > (low or 0):
        score["scaled"] = round((raw - (low or 0)) / (high - (low or 0)), 6)
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        score.pop("scaled")
    return {name: int(v) if v.is_integer() and name != "scaled" else v for name, v in score.items()}


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration to 0.01 s, as xAPI asks: 3725.5 -> PT1H2M5.5S."""
    hundredths = max(0, round(seconds * 100))
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = f"{rest / 100:.2f}".rstrip("0").rstrip(".")
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if rest or text == "PT" else "")


def _duration(result: dict[str, Any], context: dict[str, Any]) -> str | None:
    value = result.get("duration")
    if isinstance(value, str) and _DURATION.match(value):
        return value
    seconds = _number(value)
    if seconds is None:
        seconds = _number(context.get("elapsed_s"))  # a submitted attempt's time on task
    return iso_duration(seconds) if seconds is not None and seconds >= 0 else None


def _result(result: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    score = _score(result)
    if score:
        out["score"] = score
    for flag in ("success", "completion"):
        if isinstance(result.get(flag), bool):
            out[flag] = result[flag]
    response = result.get("response")
    if response is not None:
        text = response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)
        if text:
            out["response"] = text
    duration = _duration(result, context)
    if duration:
        out["duration"] = duration
    extensions = {
        f"{EXTENSION_BASE}result/{quote(str(key), safe='')}": value
        for key, value in result.items()
        if key not in _RESULT_KEYS
    }
    if extensions:
        out["extensions"] = extensions
    return out


def _context(event: Event, settings: XapiSettings) -> dict[str, Any]:
    context = event.context or {}
    out: dict[str, Any] = {"platform": PLATFORM}
    attempt = context.get("attempt_id")
    if isinstance(attempt, str) and _is_uuid(attempt):
        out["registration"] = attempt.lower()
    if event.course_version:
        out["revision"] = event.course_version
    if event.course_id:
        course = activity_iri(f"urn:slate:activity:{event.course_id}", settings)
        out["contextActivities"] = {"grouping": [{"objectType": "Activity", "id": course}]}
    extensions: dict[str, Any] = {
        f"{EXTENSION_BASE}context/{quote(str(key), safe='')}": value
        for key, value in context.items()
    }
    extensions[f"{EXTENSION_BASE}device-id"] = event.device_id
    extensions[f"{EXTENSION_BASE}source"] = {"source_id": event.source_id, "seq": event.seq}
    extensions[f"{EXTENSION_BASE}device-time"] = _iso(event.occurred_at)
    if event.clock_offset_ms is not None:
        extensions[f"{EXTENSION_BASE}clock-offset-ms"] = event.clock_offset_ms
    out["extensions"] = extensions
    return out


def _is_uuid(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", text))


def _server_time(event: Event) -> datetime:
    """When it happened on the server's clock: the device's time corrected by the offset the
    device measured at its last sync (the raw time stays in the device-time extension)."""
    if event.clock_offset_ms is None:
        return event.occurred_at
    try:
        return event.occurred_at + timedelta(milliseconds=event.clock_offset_ms)
    except OverflowError:
        return event.occurred_at


def _iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    # Microseconds, as stored: a reader's `since` taken from a `stored` then excludes exactly
    # that statement (RFC 3339 allows any number of fractional digits; xAPI asks at least 3).
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- queries -------------------------------------------------------------------------------


class XapiError(Exception):
    """An xAPI request refused; answered as the protocol's error body."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class StatementQuery:
    school_id: str | None = None
    user_id: str | None = None
    no_agent_match: bool = False
    verb: str | None = None
    activity: str | None = None
    since: str | None = None  # ISO times, kept as text so the cursor is plain JSON
    until: str | None = None
    limit: int = DEFAULT_LIMIT
    ascending: bool = False
    after_stored: str | None = None  # the keyset of the last statement already sent
    after_id: str | None = None

    def cursor(self) -> str:
        raw = json.dumps(asdict(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, cursor: str) -> "StatementQuery":
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            query = cls(**json.loads(raw))
            for moment in (query.since, query.until, query.after_stored):
                if moment is not None:
                    datetime.fromisoformat(moment)
            if not (isinstance(query.limit, int) and 1 <= query.limit <= MAX_LIMIT):
                raise ValueError("limit")
            return query
        except (binascii.Error, ValueError, TypeError):
            raise XapiError(400, "invalid_payload", "more: not a cursor this server made") from None


def find_statements(session: Session, query: StatementQuery) -> tuple[list[Event], bool]:
    """One page of events for `query`, and whether there are more."""
    if query.no_agent_match:
        return [], False
    order = (Event.received_at, Event.id)
    statement_: Select[Any] = select(Event)
    if query.school_id is not None:
        statement_ = statement_.where(
            Event.school_id == query.school_id, Event.user_id == query.user_id
        )
    if query.verb is not None:
        statement_ = statement_.where(Event.verb == query.verb)
    if query.activity is not None:
        statement_ = statement_.where(Event.object_id == query.activity)
    if query.since is not None:
        statement_ = statement_.where(Event.received_at > datetime.fromisoformat(query.since))
    if query.until is not None:
        statement_ = statement_.where(Event.received_at <= datetime.fromisoformat(query.until))
    if query.after_stored is not None:
        stored = datetime.fromisoformat(query.after_stored)
        if query.ascending:
            statement_ = statement_.where(
                or_(
                    Event.received_at > stored,
                    and_(Event.received_at == stored, Event.id > query.after_id),
                )
            )
        else:
            statement_ = statement_.where(
                or_(
                    Event.received_at < stored,
                    and_(Event.received_at == stored, Event.id < query.after_id),
                )
            )
    statement_ = statement_.order_by(*(c.asc() if query.ascending else c.desc() for c in order))
    rows = list(session.scalars(statement_.limit(query.limit + 1)))
    return rows[: query.limit], len(rows) > query.limit


def parse_query(params: dict[str, str], settings: XapiSettings) -> StatementQuery:
    allowed = {
        "agent", "verb", "activity", "since", "until", "limit", "ascending", "format",
        "attachments", "related_activities", "related_agents",
    }  # fmt: skip
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise XapiError(400, "invalid_payload", f"{unknown[0]}: not a parameter this LRS supports")
    query = StatementQuery(limit=_limit(params.get("limit")), ascending=_flag(params, "ascending"))
    if "agent" in params:
        query = replace(query, **_agent_filter(params["agent"], settings))
    if "verb" in params:
        query = replace(
            query,
            verb=_stored_id(
                _iri_param("verb", params["verb"]), f"{settings.public_url}/xapi/verbs/"
            ),
        )
    if "activity" in params:
        activity = _iri_param("activity", params["activity"])
        query = replace(
            query, activity=_stored_id(activity, f"{settings.public_url}/xapi/activities/")
        )
    if "since" in params:
        query = replace(query, since=_timestamp("since", params["since"]).isoformat())
    if "until" in params:
        query = replace(query, until=_timestamp("until", params["until"]).isoformat())
    if params.get("format", "exact") not in ("exact", "ids", "canonical"):
        raise XapiError(400, "invalid_payload", "format: must be exact, ids or canonical")
    if _flag(params, "attachments"):
        raise XapiError(400, "invalid_payload", "attachments: this LRS stores no attachments")
    return query


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit():
        raise XapiError(400, "invalid_payload", f"limit: {text!r} is not a whole number >= 0")
    value = int(text)
    return MAX_LIMIT if value == 0 else min(value, MAX_LIMIT)


def _flag(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise XapiError(400, "invalid_payload", f"{name}: must be true or false")
    return value == "true"


def _iri_param(name: str, value: str) -> str:
    if not _IRI.match(value):
        raise XapiError(400, "invalid_payload", f"{name}: {value!r} is not an IRI")
    return value


def _timestamp(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise XapiError(
            400, "invalid_payload", f"{name}: {value!r} is not an ISO 8601 time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _agent_filter(text: str, settings: XapiSettings) -> dict[str, Any]:
    try:
        agent = json.loads(text)
    except ValueError:
        raise XapiError(400, "invalid_payload", "agent: not JSON") from None
    if not isinstance(agent, dict):
        raise XapiError(400, "invalid_payload", "agent: must be a JSON object (an Agent)")
    account = agent.get("account")
    identified = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in agent]
    if len(identified) != 1:
        raise XapiError(
            400,
            "invalid_payload",
            "agent: must have exactly one of mbox, mbox_sha1sum, openid, account",
        )
    if account is None:
        return {"no_agent_match": True}  # Slate's learners are identified by account only
    if not isinstance(account, dict) or not {"homePage", "name"} <= set(account):
        raise XapiError(400, "invalid_payload", "agent.account: needs homePage and name")
    prefix = f"{settings.public_url}/schools/"
    home = str(account["homePage"])
    if not home.startswith(prefix):
        return {"no_agent_match": True}
    return {"school_id": home[len(prefix) :], "user_id": str(account["name"])}


# -- HTTP ----------------------------------------------------------------------------------

router = APIRouter(prefix="/xapi")


def _check_version(request: Request) -> None:
    version = request.headers.get(VERSION_HEADER)
    if version is None:
        raise XapiError(
            400, "invalid_payload", f"the {VERSION_HEADER} header is required ({XAPI_VERSION})"
        )
    if not re.fullmatch(r"1\.0(\.\d+)?", version.strip()):
        raise XapiError(
            400, "invalid_payload", f"{VERSION_HEADER} {version!r}: this LRS speaks {XAPI_VERSION}"
        )


def _check_reader(request: Request, settings: XapiSettings) -> None:
    if not settings.user or not settings.password:
        raise XapiError(
            401,
            "unauthorized",
            f"xAPI reading is off on this server: set {ENV_USER} and {ENV_PASSWORD}",
        )
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    ok = scheme.lower() == "basic" and hmac.compare_digest(
        f"{user}\n{password}".encode(), f"{settings.user}\n{settings.password}".encode()
    )
    if not ok:
        raise XapiError(401, "unauthorized", "xAPI needs HTTP Basic credentials of a reader")


async def _in_session(request: Request, work: Any) -> Any:
    sessions: sessionmaker[Session] = request.app.state.sessions

    def run() -> Any:
        with sessions() as session:
            return work(session)

    return await run_in_threadpool(run)


@router.get("/about")
async def about() -> dict[str, Any]:
    return {"version": [XAPI_VERSION]}


@router.get("/statements")
async def get_statements(request: Request) -> JSONResponse:
    _check_version(request)
    settings: XapiSettings = request.app.state.xapi_settings
    _check_reader(request, settings)
    params = dict(request.query_params)
    consistent = _iso(datetime.now(UTC) - CONSISTENCY_MARGIN)
    headers = {CONSISTENT_HEADER: consistent}
    if "statementId" in params or "voidedStatementId" in params:
        return await _one_statement(request, params, settings, headers)
    if "more" in params:
        if len(params) > 1:
            raise XapiError(400, "invalid_payload", "more: send it alone, as the LRS gave it")
        query = StatementQuery.from_cursor(params["more"])
    else:
        query = parse_query(params, settings)
    events, more = await _in_session(request, lambda session: find_statements(session, query))
    body: dict[str, Any] = {"statements": [statement(e, settings) for e in events], "more": ""}
    if more:
        last = events[-1]
        following = replace(query, after_stored=last.received_at.isoformat(), after_id=last.id)
        body["more"] = f"/xapi/statements?more={following.cursor()}"
    return JSONResponse(body, headers=headers)


async def _one_statement(
    request: Request, params: dict[str, str], settings: XapiSettings, headers: dict[str, str]
) -> JSONResponse:
    extra = sorted(set(params) - {"statementId", "voidedStatementId", "format", "attachments"})
    if extra or ("statementId" in params and "voidedStatementId" in params):
        raise XapiError(400, "invalid_payload", "statementId: no other filter may go with it")
    if "voidedStatementId" in params:  # Slate never voids a statement: events are immutable
        raise XapiError(404, "not_found", "no voided statement has this id")
    wanted = params["statementId"].strip().lower()
    if not _is_uuid(wanted):
        raise XapiError(400, "invalid_payload", f"statementId: {wanted!r} is not a UUID")
    event = await _in_session(request, lambda session: session.get(Event, wanted))
    if event is None:
        raise XapiError(404, "not_found", f"no statement has the id {wanted}")
    return JSONResponse(statement(event, settings), headers=headers)


def install(app: FastAPI, settings: XapiSettings | None = None) -> None:
    """Serve /xapi on `app`: settings (from the environment by default), the router, the
    version header on every /xapi answer, and xAPI errors as the protocol's error body."""
    app.state.xapi_settings = settings or XapiSettings.from_env()
    app.include_router(router)

    @app.exception_handler(XapiError)
    async def xapi_error(_request: Request, exc: XapiError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="Slate xAPI"'} if exc.status == 401 else None
        return JSONResponse({"error": exc.code, "detail": exc.detail}, exc.status, headers=headers)

    @app.middleware("http")
    async def version_header(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        if request.url.path.startswith("/xapi"):
            response.headers[VERSION_HEADER] = XAPI_VERSION
        return response
