# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""HTTP for provider APIs: one session per run, retries, rate limits, clean errors.

Private to the dnsops.dnssec collection: not a public API.

``ApiSession`` wraps one ``requests.Session`` (one connection pool) for one API.
It sends a User-Agent naming the collection, retries timeouts, connection
failures, 5xx answers and 429 answers with growing pauses, honours ``Retry-After``
and the ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` headers (it slows down
before the quota runs out, and after a 429 waits for the reset), turns the
provider's error body (JSON or an HTML page) into a short message, and keeps
every credential out of every message it produces.
"""

from __future__ import annotations

import email.utils
import json as _json
import re
import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.dnsops.dnssec.plugins.module_utils._version import (
    COLLECTION_NAME,
    COLLECTION_VERSION,
)

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity tests
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc


REDACTED = "********"

# A POST that timed out may have been carried out; only these methods are
# repeated after an ambiguous failure (read timeout, 500, 502, 504).
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))

# Answers that say the request was not carried out, safe to repeat for any method.
_NOT_PROCESSED = frozenset((429, 503))
_AMBIGUOUS = frozenset((500, 502, 504))

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_MAX_DETAIL = 300
_NEVER_CONNECTED = re.compile(
    r"NewConnectionError|NameResolutionError|Connection refused|"
    r"Name or service not known|Failed to resolve",
    re.IGNORECASE,
)


class ApiError(Exception):
    """Base of the errors raised talking to a provider's API.

    ``message`` is safe to show: it never holds a credential.  ``status`` is the
    HTTP status of the last answer, or None when no answer came.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class HttpError(ApiError):
    """An HTTP request failed, after the retries it was allowed.

    ``response`` is the last answer (None after a timeout or connection failure),
    for callers that need the provider's body, e.g. its field errors.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        response: ApiResponse | None = None,
        retry_safe: bool = False,
    ) -> None:
        super().__init__(message, status)
        self.response = response
        # True when the request surely was not carried out (connection refused).
        self.retry_safe = retry_safe


@dataclass
class ApiResponse:
    """One answer: status, headers (case-insensitive), the decoded JSON or None."""

    status: int
    headers: t.Mapping[str, str]
    json: t.Any
    text: str
    reason: str = ""
    url: str = ""

    @property
    def is_json(self) -> bool:
        """Whether the body was valid JSON."""
        return self.json is not None


@dataclass
class RateLimit:
    """The quota as last reported by the API's rate-limit headers."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    history: list[dict[str, t.Any]] = field(default_factory=list)


def default_user_agent(extra: str | None = None) -> str:
    """Return the User-Agent: the collection and its version, then ``extra``."""
    agent = f"{COLLECTION_NAME}/{COLLECTION_VERSION}"
    if HAS_REQUESTS:
        agent += f" python-requests/{requests.__version__}"
    if extra:
        agent += f" {extra}"
    return agent


def _header_number(headers: t.Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def retry_after_seconds(
    headers: t.Mapping[str, str], now: float | None = None
) -> float | None:
    """Return the pause a ``Retry-After`` header asks for, in seconds, or None.

    Both forms of RFC 9110 are read: a number of seconds or an HTTP date.
    """
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def html_summary(response: ApiResponse) -> str:
    """Return ``HTTP 502 Bad Gateway from host`` for an HTML or empty error body."""
    host = urlsplit(response.url).hostname or "the server"
    reason = response.reason
    if not reason:
        match = _HTML_TITLE.search(response.text or "")
        if match:
            reason = " ".join(_HTML_TAG.sub("", match.group(1)).split())
            reason = re.sub(rf"^{response.status}\s*", "", reason)
    text = f"HTTP {response.status}"
    if reason:
        text += f" {reason}"
    return f"{text} from {host}"


def looks_like_html(response: ApiResponse) -> bool:
    """Whether a body is an HTML page (a proxy's error page, typically)."""
    content_type = str(response.headers.get("Content-Type", "")).lower()
    if "html" in content_type:
        return True
    return (response.text or "").lstrip()[:15].lower().startswith(("<html", "<!doc"))


def default_error_message(response: ApiResponse) -> str:
    """Return the provider's own words for a failed request.

    JSON bodies: the ``message`` (or ``error``, ``detail``) member, followed by any
    field errors (``{"errors": {"field": ["problem"]}}``).  HTML pages and empty
    bodies: ``HTTP 502 Bad Gateway from host``.  Other text: its first 300
    characters.
    """
    body = response.json
    if isinstance(body, t.Mapping):
        message = ""
        for key in ("message", "error", "detail", "error_description"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                message = value.strip()
                break
            if isinstance(value, t.Mapping) and isinstance(value.get("message"), str):
                message = value["message"].strip()
                break
        errors = field_errors(body.get("errors"))
        if errors:
            message = f"{message}: {errors}" if message else errors
        if message:
            return f"{message} (HTTP {response.status})"
    if looks_like_html(response) or not (response.text or "").strip():
        return html_summary(response)
    text = " ".join(response.text.split())
    if len(text) > _MAX_DETAIL:
        text = text[:_MAX_DETAIL] + "..."
    return f"{text} (HTTP {response.status})"


def field_errors(errors: t.Any) -> str:
    """Render field errors in one line.

    ``{"digest": ["can't be blank"]}`` becomes ``digest: can't be blank``.
    """
    if isinstance(errors, t.Mapping):
        parts = []
        for name, problems in errors.items():
            if isinstance(problems, (list, tuple)):
                problems = ", ".join(str(problem) for problem in problems)
            parts.append(f"{name}: {problems}")
        return "; ".join(parts)
    if isinstance(errors, (list, tuple)):
        return "; ".join(str(error) for error in errors if error)
    if isinstance(errors, str):
        return errors
    return ""


def redact(text: str, secrets: t.Iterable[str]) -> str:
    """Replace every secret, and any Bearer token, in a text by ``********``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


class ApiSession:
    """One provider API over one connection pool.

    ``request`` returns an ``ApiResponse`` when the status is one of ``expected``
    and raises ``HttpError`` otherwise.  Timeouts, connection failures, 429 and
    503 are retried for every method; read timeouts, 500, 502 and 504 only for
    idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE), or when the caller says
    the request is idempotent, because a POST may have been carried out.

    ``sleep`` and ``clock`` (epoch seconds) are injectable so tests never wait.
    ``secrets`` lists extra values to keep out of messages; the Authorization
    header and the password of ``auth`` are always kept out.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: t.Any = None,
        headers: t.Mapping[str, str] | None = None,
        timeout: float = 30,
        retries: int = 3,
        user_agent: str | None = None,
        error_message: t.Callable[[ApiResponse], str] | None = None,
        sleep: t.Callable[[float], t.Any] = time.sleep,
        clock: t.Callable[[], float] = time.time,
        session: t.Any = None,
        secrets: t.Iterable[str] = (),
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_wait: float = 300.0,
        rate_limit_reserve: int = 20,
    ) -> None:
        if session is None:
            if not HAS_REQUESTS:
                raise ApiError(
                    "the Python library requests is required: "
                    f"{REQUESTS_IMPORT_ERROR}"
                )
            session = requests.Session()
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).hostname or self.base_url
        self.auth = auth
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.user_agent = user_agent or default_user_agent()
        self.error_message = error_message or default_error_message
        self.sleep = sleep
        self.clock = clock
        self.session = session
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_wait = max_wait
        self.rate_limit_reserve = rate_limit_reserve
        self.rate_limit = RateLimit()
        self.calls: list[dict[str, t.Any]] = []
        self._secrets = set(s for s in secrets if s)
        self._collect_secrets()

    def _collect_secrets(self) -> None:
        for name, value in self.headers.items():
            if name.lower() in ("authorization", "x-api-key", "x-auth-token"):
                self._secrets.add(str(value))
                self._secrets.add(str(value).split(" ", 1)[-1])
        if isinstance(self.auth, (tuple, list)) and len(self.auth) == 2:
            self._secrets.add(str(self.auth[1]))
        self._secrets = {s for s in self._secrets if len(s) >= 4}

    def add_secret(self, secret: str | None) -> None:
        """Keep one more value (a signature, a key) out of every message."""
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """Return a text with every known secret replaced by ``********``."""
        return redact(text, self._secrets)

    def url(self, path: str) -> str:
        """Return the absolute URL of an API path (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: t.Mapping[str, t.Any] | None = None,
        json: t.Any = None,
        data: t.Any = None,
        headers: t.Mapping[str, str] | None = None,
        expected: t.Container[int] = (200,),
        idempotent: bool | None = None,
    ) -> ApiResponse:
        """Send one request, retrying as allowed; raise HttpError on failure."""
        method = method.upper()
        url = self.url(path)
        where = f"{method} {self._display_path(url)}"
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            self._pace()
            try:
                response = self._send(method, url, params, json, data, headers)
            except HttpError as exc:
                self._record(method, url, None)
                if not self._may_retry(attempt, exc, idempotent):
                    raise HttpError(
                        f"{exc.message} ({where}, after {attempt + 1} attempt(s))"
                    ) from None
                self.sleep(self._backoff(attempt))
                attempt += 1
                continue

            self._note_rate_limit(response)
            self._record(method, url, response.status)
            if response.status in expected:
                return response

            retryable = response.status in _NOT_PROCESSED or (
                idempotent and response.status in _AMBIGUOUS
            )
            if not retryable or attempt >= self.retries:
                raise self._failure(response, where, attempt)
            pause = self._pause_after(response, attempt)
            if pause is None:
                raise self._failure(response, where, attempt, too_long=True)
            self.sleep(pause)
            if response.status == 429:
                # The wait ran to the reset: the old quota figures are stale.
                self.rate_limit.remaining = None
            attempt += 1

    def _send(
        self,
        method: str,
        url: str,
        params: t.Any,
        body: t.Any,
        data: t.Any,
        extra_headers: t.Mapping[str, str] | None,
    ) -> ApiResponse:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        headers.update(self.headers)
        headers.update(extra_headers or {})
        kwargs: dict[str, t.Any] = {
            "params": params,
            "headers": headers,
            "timeout": self.timeout,
        }
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        if self.auth is not None:
            kwargs["auth"] = self.auth
        try:
            raw = self.session.request(method, url, **kwargs)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise self._transport_error(exc) from None
        return self._wrap(raw, url)

    def _transport_error(self, exc: Exception) -> HttpError:
        reason = " ".join(str(exc).split())[:_MAX_DETAIL]
        if HAS_REQUESTS and isinstance(exc, requests.exceptions.ConnectTimeout):
            kind, retry_safe = "connection timed out", True
        elif isinstance(exc, TimeoutError) or (
            HAS_REQUESTS and isinstance(exc, requests.exceptions.Timeout)
        ):
            kind, retry_safe = "no answer within the timeout", False
        else:
            # Only a connection that was never made proves nothing was sent.
            kind = "connection failed"
            retry_safe = bool(_NEVER_CONNECTED.search(reason))
        return HttpError(
            self.redact(f"{kind} talking to {self.host}: {reason}"),
            retry_safe=retry_safe,
        )

    @staticmethod
    def _wrap(raw: t.Any, url: str) -> ApiResponse:
        text = raw.text if raw.content else ""
        body = None
        if text.strip():
            try:
                body = _json.loads(text)
            except ValueError:
                body = None
        return ApiResponse(
            status=int(raw.status_code),
            headers=raw.headers,
            json=body,
            text=text,
            reason=str(getattr(raw, "reason", "") or ""),
            url=str(getattr(raw, "url", "") or url),
        )

    def _may_retry(self, attempt: int, exc: HttpError, idempotent: bool) -> bool:
        if attempt >= self.retries:
            return False
        return idempotent or exc.retry_safe

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * (2**attempt))

    def _pause_after(self, response: ApiResponse, attempt: int) -> float | None:
        """Return how long to wait before retrying, or None if it is too long."""
        now = self.clock()
        pause = retry_after_seconds(response.headers, now)
        if pause is None and response.status == 429:
            reset = _header_number(response.headers, "X-RateLimit-Reset")
            if reset is not None:
                pause = max(1.0, reset - now)
        if pause is None:
            return self._backoff(attempt)
        if pause > self.max_wait:
            return None
        return pause

    def _note_rate_limit(self, response: ApiResponse) -> None:
        remaining = _header_number(response.headers, "X-RateLimit-Remaining")
        if remaining is None:
            return
        self.rate_limit.remaining = int(remaining)
        limit = _header_number(response.headers, "X-RateLimit-Limit")
        reset = _header_number(response.headers, "X-RateLimit-Reset")
        if limit is not None:
            self.rate_limit.limit = int(limit)
        if reset is not None:
            self.rate_limit.reset = reset

    def _pace(self) -> None:
        """Slow down while the quota is nearly spent, spreading what is left.

        With R requests left and S seconds to the reset, each request waits S / R
        seconds once R falls to the reserve, and until the reset when R is 0.
        """
        limit = self.rate_limit
        if limit.remaining is None or limit.reset is None:
            return
        if limit.remaining > self.rate_limit_reserve:
            return
        until_reset = limit.reset - self.clock()
        if until_reset <= 0:
            return
        pause = until_reset if limit.remaining <= 0 else until_reset / limit.remaining
        pause = min(pause, self.max_wait)
        limit.history.append({"remaining": limit.remaining, "pause": pause})
        self.sleep(pause)
        if limit.remaining <= 0:
            limit.remaining = None

    def _record(self, method: str, url: str, status: int) -> None:
        self.calls.append(
            {"method": method, "url": self._display_path(url), "status": status}
        )

    def _display_path(self, url: str) -> str:
        return self.redact(urlsplit(url).path or "/")

    def _failure(
        self, response: ApiResponse, where: str, attempt: int, too_long: bool = False
    ) -> HttpError:
        detail = self.error_message(response)
        if too_long:
            detail = self._wait_detail(response, detail)
        message = f"{detail} on {where}"
        if attempt:
            message += f" (after {attempt + 1} attempts)"
        return HttpError(self.redact(message), response.status, response)

    def _wait_detail(self, response: ApiResponse, detail: str) -> str:
        now = self.clock()
        wait = retry_after_seconds(response.headers, now)
        if wait is None:
            reset = _header_number(response.headers, "X-RateLimit-Reset")
            wait = 0.0 if reset is None else reset - now
        return (
            f"{detail}; the API asks to wait {max(0, int(wait))} s, longer than "
            f"the {int(self.max_wait)} s this run may wait"
        )
