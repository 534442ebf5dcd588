# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A Gandi API v5 simulator: the DNSSEC keys of the account's domains.

Routes (Gandi's Domain API):

- ``GET /v5/domain/domains/{fqdn}/dnskeys``: the keys, each with an integer
  ``id``, ``algorithm``, ``type`` (``ksk``/``zsk``), ``public_key``,
  ``keytag``, ``digest_type`` and ``digest`` (SHA-256, as Gandi computes it).
- ``POST .../dnskeys`` with ``{"algorithm", "type", "public_key"}``: 201
  ``{"message": "DNSSEC key created"}``.  DNSKEY data only: a body without
  ``type`` (flags instead, or DS fields) is refused with 400.
- ``DELETE .../dnskeys/{id}``: 204.

These are the shapes go-gandi, the Go client behind Gandi's Terraform
provider, sends and reads; Gandi's own reference page was not reachable to
check them field by field.

Authentication is ``Authorization: Bearer <personal access token>``; a missing
or unknown token is answered 401, an unknown domain 404, bad input 400, always
in Gandi's error shape ``{"code", "message", "object", "cause"}``.  The DS set
published into the parent zone is the SHA-256 DS of every key (fault ``"sha1"``
adds a SHA-1 DS of each; fault ``"pending"`` holds every write back from the
registry until the fault is cleared and ``flush`` is called).
"""

from __future__ import annotations

import itertools
import typing as t

from ._base import (
    DNSSEC_ALGORITHMS,
    ApiFailure,
    KeySimulator,
    Request,
    Response,
    ds_text,
    http_phrase,
    is_base64,
)


class GandiSimulator(KeySimulator):
    """Gandi's ``/v5/domain/domains/{fqdn}/dnskeys`` endpoints.

    ``credentials`` is the personal access token the account accepts.
    """

    name = "gandi"
    stock_messages = {
        400: "Invalid JSON body",
        404: "The resource could not be found.",
        429: "Too many requests",
        500: "Internal server error",
    }
    retry_after = "0"

    def __init__(self, publish: t.Any = None, **kwargs: t.Any) -> None:
        kwargs.setdefault("credentials", "pat_lab-token")
        super().__init__(publish, **kwargs)
        self._serial = itertools.count(1)

    def routes(self) -> None:
        base = r"/v5/domain/domains/(?P<fqdn>[^/]+)/dnskeys"
        self.route("GET", base, self._list)
        self.route("POST", base, self._create)
        self.route("DELETE", base + r"/(?P<key_id>[^/]+)", self._delete)

    # -- state --------------------------------------------------------------

    def flush(self) -> None:
        """Publish every domain's keys (after a ``"pending"`` fault is cleared)."""
        with self.lock:
            for fqdn in self.domains:
                self.publish_domain(fqdn)

    def stored_key(
        self, name: str, flags: int, algorithm: int, public_key: str
    ) -> dict[str, t.Any]:
        ds = ds_text(name, f"{flags} 3 {algorithm} {public_key}", 2).split()
        return {
            "id": next(self._serial),
            "algorithm": algorithm,
            "type": "ksk" if flags & 1 else "zsk",
            "public_key": public_key,
            "keytag": int(ds[0]),
            "digest_type": 2,
            "digest": ds[3].lower(),
        }

    def dnskey_text(self, key: t.Mapping[str, t.Any]) -> str:
        flags = 257 if key["type"] == "ksk" else 256
        return f"{flags} 3 {key['algorithm']} {key['public_key']}"

    def publish_domain(self, name: str) -> None:
        # The "pending" fault holds every write back from the registry.
        if self.fault == "pending":
            return
        super().publish_domain(name)

    # -- routes -------------------------------------------------------------

    def error_body(self, status: int, message: str) -> t.Any:
        phrase = http_phrase(status)
        return {
            "code": status,
            "message": message,
            "object": "HTTP" + phrase.replace(" ", ""),
            "cause": phrase,
        }

    def _authorize(self, request: Request) -> None:
        header = request.header("Authorization")
        if not header:
            raise self.error(
                401,
                "The request requires authentication: the Authorization header "
                "is missing.",
            )
        if request.bearer() != self.credentials:
            raise self.error(401, "The access token is invalid or has expired.")

    def _domain(self, request: Request) -> list[dict[str, t.Any]]:
        self._authorize(request)
        fqdn = request.match["fqdn"].lower()
        if fqdn not in self.domains:
            raise self.error(
                404, f"The domain {fqdn} does not exist in this organization."
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
        if algorithm not in DNSSEC_ALGORITHMS:
            raise self._bad("algorithm", f"Unsupported algorithm {algorithm}")
        key_type = body.get("type")
        if key_type not in ("ksk", "zsk"):
            raise self._bad("type", "Must be one of ksk, zsk")
        flags = 257 if key_type == "ksk" else 256
        public_key = body.get("public_key")
        if not isinstance(public_key, str) or not public_key:
            raise self._bad("public_key", "Required string")
        if not is_base64(public_key):
            raise self._bad("public_key", "Not valid base64")
        if any(key["public_key"] == public_key for key in keys):
            raise self.error(409, "This DNSSEC key already exists.")
        keys.append(self.stored_key(fqdn, flags, algorithm, public_key))
        self.publish_domain(fqdn)
        return Response(201, {"message": "DNSSEC key created"})

    def _delete(self, request: Request) -> Response:
        keys = self._domain(request)
        fqdn = request.match["fqdn"].lower()
        for key in keys:
            if str(key["id"]) == request.match["key_id"]:
                keys.remove(key)
                self.publish_domain(fqdn)
                return Response(204, None)
        raise self.error(
            404, f"The DNSSEC key {request.match['key_id']} does not exist."
        )

    def _bad(self, name: str, description: str) -> ApiFailure:
        failure = self.error(400, "Bad Request")
        failure.body["errors"] = [
            {"location": "body", "name": name, "description": description}
        ]
        return failure
