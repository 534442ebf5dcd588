# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""An ansible-rulebook event source that receives DNSimple's webhook deliveries.

DNSimple neither signs its webhooks nor lets the receiver add a header, so the
only secret is the token in the URL registered at DNSimple.  Each delivery is
checked for that token, its size, its JSON and its shape; each accepted
``dnssec.*`` delivery becomes one event, once, however often DNSimple sends it.
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import json
import logging
import os
import re
import ssl
import tempfile
import typing as t
from collections import OrderedDict

try:
    from aiohttp import web

    HAS_AIOHTTP = True
    AIOHTTP_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - aiohttp ships with ansible-rulebook
    HAS_AIOHTTP = False
    AIOHTTP_IMPORT_ERROR = exc


DOCUMENTATION = r"""
---
short_description: Receive DNSimple webhook deliveries as events
description:
  - An ansible-rulebook event source that listens for DNSimple's webhook deliveries
    and turns each C(dnssec.*) delivery (C(dnssec.rotation_start),
    C(dnssec.rotation_complete), C(dnssec.create), C(dnssec.delete)) into one event.
  - Register C(https://HOST:PORT/dnsimple/TOKEN) as the webhook URL of the DNSimple
    account. DNSimple does not sign its deliveries and cannot send a header, so the
    token in the URL is the only proof that a delivery comes from DNSimple. It is
    compared in constant time and never written to a log line or an event.
  - "Every request is answered as DNSimple expects: V(200) for every accepted
    delivery, including duplicates and events other than C(dnssec.*), which are
    acknowledged and dropped; V(404) for a wrong or missing token; V(405) for a
    method other than POST; V(413) for a body larger than O(max_body_bytes);
    V(400) for a body that is not JSON or not shaped like a DNSimple webhook.
    DNSimple retries anything but V(200)."
  - DNSimple may deliver a webhook more than once. Deliveries are deduplicated on
    their C(request_identifier); the last O(dedupe_size) identifiers are kept in
    memory and, when O(state_file) is set, in a file that survives a restart.
  - "Each event is C({payload: <the delivery as DNSimple sent it>, meta: {delivery:
    {...}}}). C(meta.delivery) holds C(request_identifier), C(event) (the event
    name), C(zone) (the zone name in lower case, without the final dot),
    C(account_id), C(remote) (the peer address), C(forwarded_for) (the
    C(X-Forwarded-For) header, or null), C(user_agent) and C(received_at)."
  - The checks are structural only. A DS record in a payload is a hint, never the
    truth; the rotation playbook decides from the child servers and the parent
    servers and uses a DS from a payload only when it matches a key the child
    servers publish.
  - Without O(certfile) the listener speaks plain HTTP and must sit behind a
    TLS-terminating reverse proxy, because DNSimple only delivers to HTTPS URLs.
options:
  host:
    description:
      - The address to listen on.
    type: str
    default: 0.0.0.0
  port:
    description:
      - The TCP port to listen on.
    type: int
    required: true
  token:
    description:
      - The secret part of the webhook URL, C(/dnsimple/TOKEN).
      - At least 24 characters from C(A-Z), C(a-z), C(0-9), C(-), C(_), C(.) and
        C(~), for example the output of C(openssl rand -hex 24).
      - Pass it from a vault or an environment variable, never in the rulebook.
    type: str
    required: true
  certfile:
    description:
      - Path to the PEM certificate chain presented to DNSimple. Enables HTTPS.
      - May hold the private key too, then O(keyfile) can be left out.
    type: str
  keyfile:
    description:
      - Path to the PEM private key of O(certfile).
    type: str
  password:
    description:
      - The password of O(keyfile), if it is encrypted.
    type: str
  state_file:
    description:
      - Path of a JSON file that keeps the request identifiers already turned into
        events, so that a redelivery after a restart of the listener makes no
        second event. Written atomically with mode 0600 after every accepted
        delivery.
      - Without it, deduplication lasts as long as the process.
    type: str
  dedupe_size:
    description:
      - How many request identifiers to remember, newest first. DNSimple retries a
        delivery for about two hours, so this must exceed the number of webhooks
        the account sends in that time.
    type: int
    default: 10000
  max_body_bytes:
    description:
      - The largest body accepted, in bytes, after any content decoding. Larger
        deliveries are answered V(413). DNSimple's DNSSEC deliveries are under
        2 KiB.
    type: int
    default: 65536
notes:
  - Argument names are also accepted in upper case (C(HOST), C(PORT), ...).
  - Needs C(aiohttp), which ships with ansible-rulebook.
"""

EXAMPLES = r"""
- name: DNSimple DNSSEC rotations
  hosts: localhost
  sources:
    - name: dnsimple
      dnsops.dnssec.dnsimple_webhook:
        host: 0.0.0.0
        port: 8443
        token: "{{ DNSIMPLE_WEBHOOK_TOKEN }}"
        certfile: /etc/eda/tls/webhook.crt
        keyfile: /etc/eda/tls/webhook.key
        state_file: /var/lib/eda/dnsimple_webhook.json
  rules:
    - name: Rotate the zone named in the webhook
      condition: event.meta.delivery.event in ["dnssec.rotation_start", "dnssec.rotation_complete"]
      action:
        run_playbook:
          name: dnsops.dnssec.rotate
"""

PATH_PREFIX = "/dnsimple/"
EVENT_PREFIX = "dnssec."
ROTATION_EVENTS = frozenset({"dnssec.rotation_start", "dnssec.rotation_complete"})
DS_FIELDS = ("keytag", "algorithm", "digest_type", "digest")
MIN_TOKEN_LENGTH = 24
STATE_VERSION = 1

_TOKEN = re.compile(r"^[A-Za-z0-9._~-]+$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_EVENT_NAME = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
_ZONE_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$"
)

_KNOWN_ARGS = frozenset(
    {
        "host",
        "port",
        "token",
        "certfile",
        "keyfile",
        "password",
        "state_file",
        "dedupe_size",
        "max_body_bytes",
    }
)

logger = logging.getLogger(__name__)


class ConfigError(ValueError):
    """The event source arguments cannot be used; the message says which and why."""


class DeliveryError(ValueError):
    """A delivery that is not shaped like a DNSimple webhook; names the field."""


class Settings:
    """The event source arguments, checked."""

    def __init__(self, args: t.Mapping[str, t.Any]) -> None:
        args = {
            str(key).lower(): value
            for key, value in args.items()
            if not str(key).startswith("eda_")
        }
        unknown = sorted(set(args) - _KNOWN_ARGS)
        if unknown:
            logger.warning("Ignoring unknown arguments: %s", ", ".join(unknown))

        self.host = str(args.get("host") or "0.0.0.0")
        self.port = _integer(args, "port", None, 1, 65535)
        self.token = _token(args.get("token"))
        self.certfile = _optional_str(args, "certfile")
        self.keyfile = _optional_str(args, "keyfile")
        self.password = _optional_str(args, "password")
        self.state_file = _optional_str(args, "state_file")
        self.dedupe_size = _integer(args, "dedupe_size", 10000, 1, 10_000_000)
        self.max_body_bytes = _integer(args, "max_body_bytes", 65536, 1024, 1 << 24)
        if self.keyfile and not self.certfile:
            raise ConfigError("keyfile is set but certfile is not")

    def __repr__(self) -> str:
        return (
            f"Settings(host={self.host!r}, port={self.port}, token=<hidden>, "
            f"certfile={self.certfile!r}, state_file={self.state_file!r})"
        )


def _integer(
    args: t.Mapping[str, t.Any], name: str, default: int | None, low: int, high: int
) -> int:
    value = args.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"{name} is required")
        return default
    try:
        number = int(str(value), 10)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _optional_str(args: t.Mapping[str, t.Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    return str(value)


def _token(value: t.Any) -> str:
    # The messages never repeat the value: it is the secret.
    if not isinstance(value, str) or not value:
        raise ConfigError("token is required")
    if not _TOKEN.match(value):
        raise ConfigError(
            "token may only hold the characters A-Z a-z 0-9 - _ . ~ "
            "(it is part of the URL)"
        )
    if len(value) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"token must be at least {MIN_TOKEN_LENGTH} characters")
    return value


class RedactFilter(logging.Filter):
    """Replaces the token in every log record that passes through."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg = message.replace(self._secret, "<token>")
            record.args = None
        if record.exc_info and record.exc_text is None:
            formatted = logging.Formatter().formatException(record.exc_info)
            if self._secret in formatted:
                record.exc_text = formatted.replace(self._secret, "<token>")
        elif record.exc_text and self._secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self._secret, "<token>")
        return True


_REDACTED_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", __name__)


def install_redaction(secret: str) -> t.Callable[[], None]:
    """Redact ``secret`` from aiohttp's loggers, ours and the root handlers.

    Returns a function that removes the filters again.
    """
    redact = RedactFilter(secret)
    targets: list[logging.Filterer] = [
        logging.getLogger(name) for name in _REDACTED_LOGGERS
    ]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        target.addFilter(redact)

    def remove() -> None:
        for target in targets:
            target.removeFilter(redact)

    return remove


def check_delivery(payload: t.Any) -> tuple[str, str]:
    """Return the event name and request identifier of a delivery.

    Raises DeliveryError naming the first field that is missing or of the wrong
    shape.  Only ``dnssec.*`` deliveries are checked beyond the name and the
    request identifier, since only they become events.
    """
    if not isinstance(payload, dict):
        raise DeliveryError("the body is not a JSON object")

    name = payload.get("name")
    if not isinstance(name, str) or not _EVENT_NAME.match(name):
        raise DeliveryError("name is missing or not an event name")

    request_id = payload.get("request_identifier")
    if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
        raise DeliveryError("request_identifier is missing or malformed")

    if name.startswith(EVENT_PREFIX):
        _check_dnssec_data(name, payload)
    return name, request_id


def _check_dnssec_data(name: str, payload: dict[str, t.Any]) -> None:
    data = payload.get("data")
    if not isinstance(data, dict):
        raise DeliveryError("data is missing or not an object")

    zone = data.get("zone")
    if not isinstance(zone, dict):
        raise DeliveryError("data.zone is missing or not an object")
    zone_name = zone.get("name")
    if not isinstance(zone_name, str) or not _ZONE_NAME.match(zone_name):
        raise DeliveryError("data.zone.name is missing or not a domain name")

    account = payload.get("account")
    if account is not None and not isinstance(account, dict):
        raise DeliveryError("account is not an object")

    if name not in ROTATION_EVENTS:
        return
    record = data.get("delegation_signer_record")
    if not isinstance(record, dict):
        raise DeliveryError("data.delegation_signer_record is missing or not an object")
    for field in DS_FIELDS:
        value = record.get(field)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise DeliveryError(f"data.delegation_signer_record.{field} is missing")


class SeenRequests:
    """The request identifiers already turned into events, oldest first.

    Bounded to ``size`` entries; with a ``path`` they are loaded at start and
    saved after every change, atomically, readable only by the owner.
    """

    def __init__(self, size: int, path: str | None = None) -> None:
        self._size = size
        self._path = path
        self._ids: OrderedDict[str, str] = OrderedDict()
        if path:
            self._load(path)

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, request_id: str, seen_at: str) -> None:
        """Remember ``request_id``, forgetting the oldest beyond the bound."""
        self._ids[request_id] = seen_at
        self._ids.move_to_end(request_id)
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def discard(self, request_id: str) -> None:
        """Forget ``request_id``."""
        self._ids.pop(request_id, None)

    def save(self) -> None:
        """Write the identifiers to the state file, if there is one.

        Raises OSError when the file cannot be written.
        """
        if not self._path:
            return
        state = {
            "version": STATE_VERSION,
            "request_identifiers": [[rid, seen] for rid, seen in self._ids.items()],
        }
        directory = os.path.dirname(os.path.abspath(self._path))
        fd, tmp = tempfile.mkstemp(prefix=".dnsimple_webhook.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self._path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _load(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read state_file {path}: {exc}") from None
        entries = state.get("request_identifiers") if isinstance(state, dict) else None
        if not isinstance(entries, list):
            raise ConfigError(f"state_file {path} has no request_identifiers list")
        for entry in entries:
            if (
                isinstance(entry, list)
                and len(entry) == 2
                and all(isinstance(part, str) for part in entry)
            ):
                self.add(entry[0], entry[1])


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _zone_name(payload: dict[str, t.Any]) -> str:
    return payload["data"]["zone"]["name"].rstrip(".").lower()


def _account_id(payload: dict[str, t.Any]) -> t.Any:
    account = payload.get("account")
    if isinstance(account, dict):
        return account.get("id")
    return None


class Receiver:
    """Answers each HTTP request and puts accepted deliveries on the queue."""

    def __init__(
        self, queue: asyncio.Queue[t.Any], settings: Settings, seen: SeenRequests
    ) -> None:
        self._queue = queue
        self._settings = settings
        self._seen = seen
        self._path = (PATH_PREFIX + settings.token).encode("ascii")

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request; see the module documentation for the codes."""
        remote = request.remote or "-"
        path = request.rel_url.raw_path.encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(path, self._path):
            logger.warning("Rejected a request from %s: wrong or missing token", remote)
            return _reply(404, "not found")

        if request.method != "POST":
            logger.warning("Rejected a %s request from %s", request.method, remote)
            return web.json_response(
                {"message": "method not allowed"}, status=405, headers={"Allow": "POST"}
            )

        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._too_large(remote)
        if len(body) > self._settings.max_body_bytes:
            return self._too_large(remote)

        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            logger.warning("Rejected a delivery from %s: the body is not JSON", remote)
            return _reply(400, "the body is not JSON")

        try:
            name, request_id = check_delivery(payload)
        except DeliveryError as exc:
            logger.warning("Rejected a delivery from %s: %s", remote, exc)
            return _reply(400, str(exc))

        return await self._accept(request, payload, name, request_id)

    def _too_large(self, remote: str) -> web.Response:
        logger.warning(
            "Rejected a delivery from %s: body larger than %d bytes",
            remote,
            self._settings.max_body_bytes,
        )
        return _reply(413, "body too large")

    async def _accept(
        self,
        request: web.Request,
        payload: dict[str, t.Any],
        name: str,
        request_id: str,
    ) -> web.Response:
        if not name.startswith(EVENT_PREFIX):
            logger.info(
                "Acknowledged %s (request %s): not a DNSSEC event", name, request_id
            )
            return _reply(200, "ignored")

        zone = _zone_name(payload)
        if request_id in self._seen:
            logger.info(
                "Acknowledged %s for %s (request %s): already received",
                name,
                zone,
                request_id,
            )
            return _reply(200, "duplicate")

        received_at = _now()
        # Marked before the first await, so a concurrent redelivery sees it.
        self._seen.add(request_id, received_at)
        event = {
            "payload": payload,
            "meta": {
                "delivery": {
                    "request_identifier": request_id,
                    "event": name,
                    "zone": zone,
                    "account_id": _account_id(payload),
                    "remote": request.remote,
                    "forwarded_for": request.headers.get("X-Forwarded-For"),
                    "user_agent": request.headers.get("User-Agent"),
                    "received_at": received_at,
                }
            },
        }
        try:
            await self._queue.put(event)
        except Exception:
            self._seen.discard(request_id)
            logger.exception("Could not queue %s for %s", name, zone)
            return _reply(500, "not queued")

        try:
            self._seen.save()
        except OSError as exc:
            # The event is queued: answering 200 avoids a second one.
            logger.error("Could not write the state file: %s", exc)

        logger.info(
            "Accepted %s for %s (request %s) from %s",
            name,
            zone,
            request_id,
            request.remote or "-",
        )
        return _reply(200, "accepted")


def _reply(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """Return the TLS context for the listener, or None for plain HTTP."""
    if not settings.certfile:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.certfile, settings.keyfile, settings.password)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load certfile {settings.certfile} / keyfile "
            f"{settings.keyfile}: {exc}"
        ) from None
    return context


def build_app(
    queue: asyncio.Queue[t.Any], settings: Settings, seen: SeenRequests
) -> web.Application:
    """Return the aiohttp application that serves the webhook URL."""
    receiver = Receiver(queue, settings, seen)
    app = web.Application(client_max_size=settings.max_body_bytes)
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    return app


async def main(queue: asyncio.Queue[t.Any], args: dict[str, t.Any]) -> None:
    """Listen for DNSimple's deliveries until cancelled."""
    if not HAS_AIOHTTP:
        raise ConfigError(f"the aiohttp library is required: {AIOHTTP_IMPORT_ERROR}")

    settings = Settings(args)
    remove_redaction = install_redaction(settings.token)
    seen = SeenRequests(settings.dedupe_size, settings.state_file)
    context = ssl_context(settings)
    if context is None:
        logger.warning(
            "Listening without TLS: put a TLS-terminating proxy in front, "
            "DNSimple delivers only to https URLs"
        )

    # No access log: its request line would hold the token.
    runner = web.AppRunner(build_app(queue, settings, seen), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
    try:
        await site.start()
        logger.info(
            "Listening for DNSimple webhooks on %s://%s:%d%s<token> "
            "(%d request identifiers remembered)",
            "https" if context else "http",
            settings.host,
            settings.port,
            PATH_PREFIX,
            len(seen),
        )
        await asyncio.Future()
    finally:
        await runner.cleanup()
        remove_redaction()
