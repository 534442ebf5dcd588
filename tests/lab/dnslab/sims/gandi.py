# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A Gandi API v5 simulator: the DNSSEC keys of the account's domains.

Routes (Gandi's Domain API):

- ``GET /v5/domain/domains/{fqdn}/dnskeys``: the keys, each with ``id``,
  ``algorithm``, ``flags``, ``type`` (``ksk``/``zsk``), ``public_key``,
  ``keytag``, ``digest_type``, ``digest`` (SHA-256, as Gandi computes it),
  ``status`` and ``href``.
- ``POST .../dnskeys`` with ``{"algorithm", "flags", "public_key"}`` (the older
  ``"type": "ksk"`` is accepted instead of ``flags``): 201
  ``{"message": "DNSSEC key created"}``.  DNSKEY data only; a DS is refused.
- ``DELETE .../dnskeys/{id}``: 204.

Authentication is ``Authorization: Bearer <personal access token>``; a missing
or unknown token is answered 401, an unknown domain 404, bad input 400, always
in Gandi's error shape ``{"code", "message", "object", "cause"}``.  The DS set
published into the parent zone is the SHA-256 DS of every key (fault ``"sha1"``
adds a SHA-1 DS of each; fault ``"pending"`` holds every write back from the
registry until the fault is cleared and ``flush`` is called).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import typing as t
import uuid

from ._base import ApiFailure, Request, Response, Simulator, ds_text


def _error(status: int, message: str, obj: str, cause: str) -> ApiFailure:
    return ApiFailure(
        status, {"code": status, "message": message, "object": obj, "cause": cause}
    )


class GandiSimulator(Simulator):
    """Gandi's ``/v5/domain/domains/{fqdn}/dnskeys`` endpoints.

    ``credentials`` is the personal access token the account accepts.
    """

    name = "gandi"

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", "pat_lab-token")
        super().__init__(publish, **kwargs)
        self.domains: dict[str, list[dict[str, t.Any]]] = {}
        self._serial = itertools.count(1)

    def routes(self) -> None:
        base = r"/v5/domain/domains/(?P<fqdn>[^/]+)/dnskeys"
        self.route("GET", base, self._list)
        self.route("POST", base, self._create)
        self.route("DELETE", base + r"/(?P<key_id>[^/]+)", self._delete)

    # -- state --------------------------------------------------------------

    def add_domain(self, name: str) -> None:
        self.domains.setdefault(name.rstrip(".").lower(), [])

    def records(self, domain: str) -> list[dict[str, t.Any]]:
        return [dict(key) for key in self.domains[domain.rstrip(".").lower()]]

    def add_key(self, domain: str, dnskey_text: str) -> dict[str, t.Any]:
        """Add a key as someone else would (the web interface); publishes."""
        flags, _protocol, algorithm, public_key = dnskey_text.split(None, 3)
        with self.lock:
            key = self._store(
                domain.rstrip(".").lower(), int(flags), int(algorithm), public_key
            )
            self._publish(domain.rstrip(".").lower())
        return key

    def flush(self) -> None:
        """Publish every domain's keys (after a ``"pending"`` fault is cleared)."""
        with self.lock:
            for fqdn in self.domains:
                self._publish(fqdn)

    # -- routes -------------------------------------------------------------

    def rate_limited(self, request: Request) -> Response:
        return Response(
            429,
            {
                "code": 429,
                "message": "Too many requests",
                "object": "HTTPTooManyRequests",
                "cause": "Too Many Requests",
            },
            {"Retry-After": "0"},
        )

    def server_error(self, request: Request) -> Response:
        return Response(
            500,
            {
                "code": 500,
                "message": "Internal server error",
                "object": "HTTPInternalServerError",
                "cause": "Internal Server Error",
            },
        )

    def not_found(self, request: Request) -> Response:
        return Response(
            404,
            {
                "code": 404,
                "message": "The resource could not be found.",
                "object": "HTTPNotFound",
                "cause": "Not Found",
            },
        )

    def bad_json(self, request: Request) -> Response:
        return Response(
            400,
            {
                "code": 400,
                "message": "Invalid JSON body",
                "object": "HTTPBadRequest",
                "cause": "Bad Request",
            },
        )

    def _authorize(self, request: Request) -> None:
        header = request.header("Authorization")
        if not header:
            raise _error(
                401,
                "The request requires authentication: the Authorization header "
                "is missing.",
                "HTTPUnauthorized",
                "Unauthorized",
            )
        if request.bearer() != self.credentials:
            raise _error(
                401,
                "The access token is invalid or has expired.",
                "HTTPUnauthorized",
                "Unauthorized",
            )

    def _domain(self, request: Request) -> list[dict[str, t.Any]]:
        self._authorize(request)
        fqdn = request.match["fqdn"].lower()
        if fqdn not in self.domains:
            raise _error(
                404,
                f"The domain {fqdn} does not exist in this organization.",
                "HTTPNotFound",
                "Not Found",
            )
        return self.domains[fqdn]

    def _list(self, request: Request) -> t.Any:
        return [dict(key) for key in self._domain(request)]

    def _create(self, request: Request) -> Response:
        keys = self._domain(request)
        fqdn = request.match["fqdn"].lower()
        body = request.json()
        if not isinstance(body, dict):
            raise self._bad("body", "Expected a JSON object")
        algorithm = body.get("algorithm")
        if not isinstance(algorithm, int) or isinstance(algorithm, bool):
            raise self._bad("algorithm", "Required integer")
        if algorithm not in (5, 7, 8, 10, 13, 14, 15, 16):
            raise self._bad("algorithm", f"Unsupported algorithm {algorithm}")
        flags = body.get("flags")
        if flags is None and body.get("type") in ("ksk", "zsk"):
            flags = 257 if body["type"] == "ksk" else 256
        if flags not in (256, 257):
            raise self._bad("flags", "Must be one of 256, 257")
        public_key = body.get("public_key")
        if not isinstance(public_key, str) or not public_key:
            raise self._bad("public_key", "Required string")
        try:
            base64.b64decode(public_key, validate=True)
        except (binascii.Error, ValueError):
            raise self._bad("public_key", "Not valid base64") from None
        if any(key["public_key"] == public_key for key in keys):
            raise _error(
                409, "This DNSSEC key already exists.", "HTTPConflict", "Conflict"
            )
        self._store(fqdn, flags, algorithm, public_key)
        self._publish(fqdn)
        return Response(201, {"message": "DNSSEC key created"})

    def _delete(self, request: Request) -> Response:
        keys = self._domain(request)
        fqdn = request.match["fqdn"].lower()
        for key in keys:
            if key["id"] == request.match["key_id"]:
                keys.remove(key)
                self._publish(fqdn)
                return Response(204, None)
        raise _error(
            404,
            f"The DNSSEC key {request.match['key_id']} does not exist.",
            "HTTPNotFound",
            "Not Found",
        )

    # -- helpers ------------------------------------------------------------

    @staticmethod
    def _bad(name: str, description: str) -> ApiFailure:
        failure = _error(400, "Bad Request", "HTTPBadRequest", "Bad Request")
        failure.body["errors"] = [
            {"location": "body", "name": name, "description": description}
        ]
        return failure

    def _store(
        self, fqdn: str, flags: int, algorithm: int, public_key: str
    ) -> dict[str, t.Any]:
        ds = ds_text(fqdn, f"{flags} 3 {algorithm} {public_key}", 2).split()
        key_id = str(uuid.UUID(int=next(self._serial)))
        key = {
            "id": key_id,
            "algorithm": algorithm,
            "flags": flags,
            "type": "ksk" if flags & 1 else "zsk",
            "public_key": public_key,
            "keytag": int(ds[0]),
            "digest_type": 2,
            "digest": ds[3].lower(),
            "status": "pending" if self.fault == "pending" else "active",
            "href": f"/v5/domain/domains/{fqdn}/dnskeys/{key_id}",
        }
        self.domains[fqdn].append(key)
        return key

    def _publish(self, fqdn: str) -> None:
        if self.fault == "pending":
            return
        texts = []
        for key in self.domains[fqdn]:
            key["status"] = "active"
            dnskey = f"{key['flags']} 3 {key['algorithm']} {key['public_key']}"
            texts.append(ds_text(fqdn, dnskey, 2))
            if self.fault == "sha1":
                texts.append(ds_text(fqdn, dnskey, 1))
        self.publish(fqdn, texts)

    def registry_sha1(self, domain: str, ds_texts: list[str]) -> list[str]:
        # The SHA-1 extras are made in _publish, from the keys themselves.
        return []
