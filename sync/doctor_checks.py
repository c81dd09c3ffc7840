"""`slate doctor`'s network check: does the school server answer, and does it accept us?

Registered under the `slate.doctor_checks` entry-point group (pyproject.toml), so app/doctor.py
runs it without importing sync/ or httpx.
"""

from __future__ import annotations

import time

import httpx

from app.doctor import Check, DoctorContext
from sync.client import USER_AGENT, SyncError, _error_from, normalise_url
from sync.protocol import API_PREFIX, Health

TIMEOUT_S = 5.0
CLOCK_WARN_S = 300


def server_checks(ctx: DoctorContext) -> list[Check]:
    if not ctx.server_url:
        return [Check("server", "warn", "no server is set: learning is kept on this laptop only",
                      "set server_url in slate.toml, or Sync > Settings in the app")]
    try:
        url = normalise_url(ctx.server_url)
    except SyncError as exc:
        return [Check("server", "fail", str(exc), "fix server_url in slate.toml or Settings")]
    with httpx.Client(
        base_url=url + API_PREFIX,
        timeout=httpx.Timeout(TIMEOUT_S),
        headers={"User-Agent": USER_AGENT},
    ) as http:
        sent = time.time()
        try:
            response = http.get("/health")
        except httpx.TransportError as exc:
            return [Check("server", "warn", f"{url} is not reachable ({type(exc).__name__})",
                          "normal away from school; at school, check the network and that the "
                          "server is running")]
        received = time.time()
        try:
            health = Health.model_validate(response.json())
        except ValueError:
            return [Check("server", "fail", f"{url} does not answer like a Slate server "
                          f"(HTTP {response.status_code})", "check server_url")]
        offset_s = health.server_time.timestamp() - (sent + received) / 2
        checks = [Check("server", "ok", f"{url} answers (Slate server {health.version}, "
                        f"{(received - sent) * 1000:.0f} ms)")]
        if abs(offset_s) > CLOCK_WARN_S:
            checks.append(Check("clock", "warn", f"this laptop's clock is {offset_s:+.0f} s off "
                                "the server's", "set the clock (sync still works: the server "
                                "corrects event times)"))
        checks.append(_enrollment(ctx, http, url))
    return checks


def _enrollment(ctx: DoctorContext, http: httpx.Client, url: str) -> Check:
    token, source = ctx.meta.get("device_token"), ctx.meta.get("source_id")
    enrolled_at = ctx.meta.get("server_url")
    if not token or not source or normalise_url(enrolled_at or url) != url:
        return Check("enrollment", "warn", f"this laptop is not enrolled with {url}",
                     "set enrollment_code in slate.toml (it enrolls at the next start) or "
                     "enter the code in Sync > Settings")
    try:
        response = http.get(f"/sources/{source}", headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as exc:
        return Check("enrollment", "warn", f"could not ask the server ({type(exc).__name__})",
                     "try again")
    if response.status_code >= 400:
        return Check("enrollment", "fail", str(_error_from(response)),
                     "enroll again with the school's enrollment code")
    school = ctx.meta.get("school_name") or "the school"
    return Check("enrollment", "ok", f"enrolled with {school}; the server accepts this laptop")
