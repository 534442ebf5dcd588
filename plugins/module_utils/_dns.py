# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Talking to DNS servers: parent discovery, every server address, direct queries.

Private to the dnsops.dnssec collection: not a public API.

Two kinds of DNS traffic happen here:

- resolution, through recursive resolvers (the ones given, or the system's): the
  zone that holds a delegation, the parent servers, their addresses.  These
  queries set the CD flag so that a broken chain of trust, the very thing the
  collection repairs, does not hide the names it needs.
- direct questions to one authoritative server address: RD cleared, DO set,
  EDNS with a 1232 byte payload, UDP first and TCP when the answer is truncated,
  a timeout per query and a number of retries on timeout.  Each answer is
  classified (``QueryResult.status``) so that no caller reads a failure as data.

API:

- ``DnsClient(resolvers=None, query_timeout=5.0, query_retry=2, max_workers=32)``
  - ``find_parent(domain) -> (parent_zone, [ServerAddress])``: the zone holding the
    delegation of ``domain`` (found from the name above ``domain``, never from the
    child's own servers) and every A and AAAA address of every parent server.
  - ``child_servers(domain) -> [ServerAddress]``: the servers the parent delegates
    ``domain`` to, from a parent server's referral, with glue or resolution.
  - ``server_addresses(names) -> [ServerAddress]``: host names or literal addresses.
  - ``query(target, qname, rdtype) -> QueryResult``: one direct question.
  - ``query_all(targets, qname, rdtype) -> [QueryResult]``: the same, concurrently,
    results in the order of ``targets``.
  - ``queries_sent``: how many queries went out to authoritative servers.
- ``classify_response(target, response, qname, rdtype, elapsed) -> QueryResult``.
- ``DnsError`` and its subclass ``ResolutionError``.
- ``RESOLVER_ARGUMENT_SPEC`` and ``client_from_params(params)`` for modules; the
  options are documented by the doc fragment ``dnsops.dnssec.resolver``.
"""

from __future__ import annotations

import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

try:
    import dns.exception
    import dns.flags
    import dns.inet
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.resolver

    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by sanity tests
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc


RESOLVER_ARGUMENT_SPEC: dict[str, t.Any] = {
    "resolvers": {"type": "list", "elements": "str"},
    "query_timeout": {"type": "float", "default": 5.0},
    "query_retry": {"type": "int", "default": 2},
}

EDNS_PAYLOAD = 1232

#: Statuses of an authoritative, usable answer.
OK_STATUSES = ("answer", "nodata", "nxdomain")

#: Every status a QueryResult can have.
STATUSES = OK_STATUSES + (
    "referral",
    "timeout",
    "servfail",
    "refused",
    "not_authoritative",
    "error",
)


class DnsError(Exception):
    """A DNS operation failed; the message says what failed and where."""


class ResolutionError(DnsError):
    """A name could not be resolved through the resolvers."""


@dataclass(frozen=True)
class ServerAddress:
    """One address of one server: ``ns1.test.`` at ``127.53.0.2``.

    When an address is given directly, ``server`` is the address itself.
    """

    server: str
    address: str

    def __str__(self) -> str:
        if self.server == self.address:
            return self.address
        return f"{self.server} ({self.address})"


@dataclass
class QueryResult:
    """What one server address answered to one question, classified.

    ``status`` is one of ``answer`` (authoritative, with the asked RRset),
    ``nodata`` (authoritative NOERROR without it), ``nxdomain`` (authoritative
    NXDOMAIN), ``referral`` (a delegation instead of an answer), ``timeout``,
    ``servfail``, ``refused``, ``not_authoritative`` (an answer without the AA
    flag) and ``error`` (anything else: an unexpected rcode, a malformed or
    mismatched response, a network error).  Only the first three are ``ok``.
    """

    server: str
    address: str
    status: str
    rcode: str | None = None
    flags: list[str] = field(default_factory=list)
    rrset: t.Any = None
    rrsigs: t.Any = None
    ttl: int | None = None
    error: str | None = None
    elapsed: float = 0.0
    response: t.Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the server gave an authoritative, usable answer."""
        return self.status in OK_STATUSES

    @property
    def target(self) -> ServerAddress:
        """The server address that answered."""
        return ServerAddress(self.server, self.address)

    @property
    def records(self) -> list[str]:
        """The records of the answer RRset in presentation format, sorted."""
        if self.rrset is None:
            return []
        return sorted(_rdata_text(rdata) for rdata in self.rrset)

    def describe(self) -> str:
        """Return one line for an operator: which address, what it answered."""
        where = str(self.target)
        if self.status == "answer":
            return f"{where}: {', '.join(self.records)}"
        if self.status == "nodata":
            return f"{where}: no record (NODATA)"
        if self.status == "nxdomain":
            return f"{where}: the name does not exist (NXDOMAIN)"
        return f"{where}: {self.error or self.status}"

    def to_dict(self) -> dict[str, t.Any]:
        """Return the result as plain data for module results."""
        return {
            "server": self.server,
            "address": self.address,
            "status": self.status,
            "rcode": self.rcode,
            "flags": list(self.flags),
            "records": self.records,
            "ttl": self.ttl,
            "error": self.error,
        }


def _rdata_text(rdata: t.Any) -> str:
    # DS digests in the collection's one canonical form: upper-case hex.
    if rdata.rdtype in (dns.rdatatype.DS, dns.rdatatype.CDS):
        return (
            f"{rdata.key_tag} {int(rdata.algorithm)} {rdata.digest_type} "
            f"{rdata.digest.hex().upper()}"
        )
    return rdata.to_text()


def _require_dnspython() -> None:
    if not HAS_DNSPYTHON:
        raise DnsError(
            f"the Python library dnspython is required: {DNSPYTHON_IMPORT_ERROR}"
        )


def to_name(value: t.Any) -> t.Any:
    """Return ``value`` as an absolute dnspython name; raise DnsError if invalid."""
    _require_dnspython()
    if isinstance(value, dns.name.Name):
        return value if value.is_absolute() else value.concatenate(dns.name.root)
    try:
        return dns.name.from_text(str(value).strip(), origin=dns.name.root)
    except dns.exception.DNSException as exc:
        raise DnsError(f"{value!r} is not a valid domain name: {exc}") from None


def is_address(value: str) -> bool:
    """Whether a string is a literal IPv4 or IPv6 address."""
    _require_dnspython()
    try:
        dns.inet.af_for_address(value)
    except ValueError:
        return False
    return True


def _flag_names(response: t.Any) -> list[str]:
    text = dns.flags.to_text(response.flags)
    names = text.split() if text else []
    if response.ednsflags & dns.flags.DO:
        names.append("DO")
    return names


def _negative_ttl(response: t.Any) -> int | None:
    for rrset in response.authority:
        if rrset.rdtype == dns.rdatatype.SOA and len(rrset):
            return int(min(rrset.ttl, rrset[0].minimum))
    return None


def _is_referral(response: t.Any) -> bool:
    kinds = {rrset.rdtype for rrset in response.authority}
    return (
        not response.answer
        and dns.rdatatype.NS in kinds
        and dns.rdatatype.SOA not in kinds
    )


def classify_response(
    target: ServerAddress,
    response: t.Any,
    qname: t.Any,
    rdtype: t.Any,
    elapsed: float = 0.0,
) -> QueryResult:
    """Classify the response of one server to a direct question.

    Pure function of the response: no network.  Only an authoritative (AA)
    NOERROR or NXDOMAIN counts as data; SERVFAIL, REFUSED, a referral, an
    answer without AA and any other rcode are failures whose ``error`` says so.
    """
    _require_dnspython()
    qname = to_name(qname)
    rdtype = dns.rdatatype.RdataType.make(rdtype)
    rcode = response.rcode()
    result = QueryResult(
        server=target.server,
        address=target.address,
        status="error",
        rcode=dns.rcode.to_text(rcode),
        flags=_flag_names(response),
        elapsed=elapsed,
        response=response,
    )
    type_text = dns.rdatatype.to_text(rdtype)
    authoritative = bool(response.flags & dns.flags.AA)

    if rcode == dns.rcode.SERVFAIL:
        result.status = "servfail"
        result.error = "SERVFAIL: the server could not answer"
    elif rcode == dns.rcode.REFUSED:
        result.status = "refused"
        result.error = "REFUSED: the server does not serve this zone to us"
    elif rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        result.error = f"unexpected rcode {result.rcode}"
    elif not authoritative and _is_referral(response):
        result.status = "referral"
        zones = sorted(
            rrset.name.to_text()
            for rrset in response.authority
            if rrset.rdtype == dns.rdatatype.NS
        )
        result.error = f"referral to {', '.join(zones)} instead of an answer"
    elif not authoritative:
        result.status = "not_authoritative"
        result.error = "answer without the AA flag: not authoritative (lame)"
    elif rcode == dns.rcode.NXDOMAIN:
        result.status = "nxdomain"
        result.ttl = _negative_ttl(response)
    else:
        _fill_answer(result, response, qname, rdtype, type_text)
    return result


def _find_rrset(
    section: t.Iterable[t.Any], name: t.Any, rdtype: t.Any, covers: t.Any = None
) -> t.Any:
    for rrset in section:
        if (
            rrset.name == name
            and rrset.rdclass == dns.rdataclass.IN
            and rrset.rdtype == rdtype
            and (covers is None or rrset.covers == covers)
        ):
            return rrset
    return None


def _fill_answer(
    result: QueryResult, response: t.Any, qname: t.Any, rdtype: t.Any, type_text: str
) -> None:
    rrset = _find_rrset(response.answer, qname, rdtype)
    if rrset is not None:
        result.status = "answer"
        result.rrset = rrset
        result.ttl = int(rrset.ttl)
        result.rrsigs = _find_rrset(
            response.answer, qname, dns.rdatatype.RRSIG, covers=rdtype
        )
        return

    others = [rrset for rrset in response.answer if rrset.name == qname]
    if others:
        kinds = ", ".join(sorted({dns.rdatatype.to_text(o.rdtype) for o in others}))
        result.error = f"answer holds {kinds} instead of {type_text}"
        return
    result.status = "nodata"
    result.ttl = _negative_ttl(response)


def _error_result(
    target: ServerAddress, status: str, error: str, elapsed: float
) -> QueryResult:
    return QueryResult(
        server=target.server,
        address=target.address,
        status=status,
        error=error,
        elapsed=elapsed,
    )


class DnsClient:
    """Direct queries to authoritative servers and resolution through resolvers.

    ``resolvers`` are addresses of recursive resolvers (None: the system's).
    ``query_timeout`` is the time one query may take, in seconds; a query that
    times out is sent again up to ``query_retry`` times.  ``port`` is the port of
    every server and resolver (53 in any real use).
    """

    def __init__(
        self,
        resolvers: list[str] | None = None,
        query_timeout: float = 5.0,
        query_retry: int = 2,
        max_workers: int = 32,
        port: int = 53,
    ) -> None:
        _require_dnspython()
        if query_timeout <= 0:
            raise DnsError(f"query_timeout must be positive, got {query_timeout}")
        if query_retry < 0:
            raise DnsError(f"query_retry must be 0 or more, got {query_retry}")
        for resolver in resolvers or ():
            if not is_address(resolver):
                raise DnsError(f"resolver {resolver!r} is not an IP address")
        self.resolvers = list(resolvers) if resolvers else None
        self.query_timeout = float(query_timeout)
        self.query_retry = int(query_retry)
        self.max_workers = max(1, int(max_workers))
        self.port = int(port)
        self.queries_sent = 0
        self._lock = threading.Lock()
        self._resolver: t.Any = None
        self._parents: dict[t.Any, tuple[str, list[ServerAddress]]] = {}

    # Resolution through the recursive resolvers.

    def _get_resolver(self) -> t.Any:
        if self._resolver is None:
            try:
                resolver = dns.resolver.Resolver(configure=self.resolvers is None)
            except dns.exception.DNSException as exc:
                raise ResolutionError(
                    f"cannot read the system's resolver configuration: {exc}; "
                    "give the resolvers option"
                ) from None
            if self.resolvers is not None:
                resolver.nameservers = list(self.resolvers)
            resolver.port = self.port
            resolver.timeout = self.query_timeout
            resolver.lifetime = self.query_timeout * (self.query_retry + 1)
            # CD: a broken chain of trust must not hide the zone from us.
            resolver.flags = dns.flags.RD | dns.flags.CD
            resolver.use_edns(0, dns.flags.DO, EDNS_PAYLOAD)
            resolver.cache = None
            self._resolver = resolver
        return self._resolver

    def _resolver_names(self) -> str:
        resolver = self._get_resolver()
        return ", ".join(str(ns) for ns in resolver.nameservers)

    def resolve(self, qname: t.Any, rdtype: str, required: bool = True) -> t.Any:
        """Resolve through the resolvers; return the RRset, or None for NODATA.

        Raises ResolutionError when the name does not exist, when ``required`` and
        there is no such record, or when no resolver answers.
        """
        qname = to_name(qname)
        resolver = self._get_resolver()
        try:
            answer = resolver.resolve(qname, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            raise ResolutionError(
                f"{qname} does not exist (NXDOMAIN from resolver "
                f"{self._resolver_names()})"
            ) from None
        except dns.exception.Timeout:
            raise ResolutionError(
                f"no answer for {qname} {rdtype} from resolver "
                f"{self._resolver_names()} within {resolver.lifetime:g} s: is the "
                "resolver reachable?"
            ) from None
        except dns.resolver.NoNameservers as exc:
            raise ResolutionError(
                f"resolver {self._resolver_names()} failed to resolve {qname} "
                f"{rdtype}: {exc}"
            ) from None
        except dns.exception.DNSException as exc:
            raise ResolutionError(
                f"cannot resolve {qname} {rdtype} through resolver "
                f"{self._resolver_names()}: {exc}"
            ) from None
        if answer.rrset is None and required:
            raise ResolutionError(f"{qname} has no {rdtype} record")
        return answer.rrset

    def _zone_above(self, domain: t.Any) -> t.Any:
        resolver = self._get_resolver()
        try:
            return dns.resolver.zone_for_name(
                domain.parent(), resolver=resolver, lifetime=resolver.lifetime * 2
            )
        except dns.exception.Timeout:
            raise ResolutionError(
                f"no answer from resolver {self._resolver_names()} while looking "
                f"for the zone above {domain}: is the resolver reachable?"
            ) from None
        except dns.exception.DNSException as exc:
            raise ResolutionError(
                f"cannot find the zone above {domain} through resolver "
                f"{self._resolver_names()}: {exc}"
            ) from None

    def server_addresses(self, names: t.Iterable[str]) -> list[ServerAddress]:
        """Resolve server host names (or literal addresses) into every address.

        A host name gives one entry per A and AAAA record; a name with neither
        raises ResolutionError.
        """
        targets: list[ServerAddress] = []
        for name in names:
            name = str(name).strip()
            if is_address(name):
                targets.append(ServerAddress(name, name))
                continue
            host = to_name(name)
            addresses = []
            for rdtype in ("A", "AAAA"):
                rrset = self.resolve(host, rdtype, required=False)
                addresses.extend(rdata.address for rdata in rrset or ())
            if not addresses:
                raise ResolutionError(f"server {host} has no A or AAAA record")
            targets.extend(ServerAddress(host.to_text(), a) for a in addresses)
        return _unique(targets)

    def find_parent(self, domain: t.Any) -> tuple[str, list[ServerAddress]]:
        """Return the parent zone of ``domain`` and every address of its servers.

        The parent is the zone that holds the delegation: the closest zone
        enclosing the name above ``domain`` (``test.`` for ``example.co.test.``
        when ``co.test.`` is no zone).  ``domain`` must exist and be a zone.
        Raises ResolutionError.
        """
        domain = to_name(domain)
        if domain == dns.name.root:
            raise DnsError("the root zone has no parent")
        if domain in self._parents:
            return self._parents[domain]

        # The SOA of the domain itself proves that it exists and is a zone.
        if self.resolve(domain, "SOA", required=False) is None:
            raise ResolutionError(
                f"{domain} exists but is not a zone (no SOA record at that name)"
            )
        parent = self._zone_above(domain)
        ns_rrset = self.resolve(parent, "NS")
        names = sorted(rdata.target.to_text() for rdata in ns_rrset)
        found = (parent.to_text(), self.server_addresses(names))
        self._parents[domain] = found
        return found

    def child_servers(self, domain: t.Any) -> list[ServerAddress]:
        """Return every address of every server the parent delegates ``domain`` to.

        The NS set comes from a parent server's referral (the parent side of the
        cut); addresses from its glue, or resolved when it has none.
        """
        domain = to_name(domain)
        parent, parents = self.find_parent(domain)
        failures = []
        for target in parents:
            result = self.query(target, domain, "NS")
            if result.status == "referral":
                return self._delegated(domain, result.response)
            failures.append(result.describe())
        raise DnsError(
            f"no parent server of {parent} gave a referral for {domain}: "
            + "; ".join(failures)
        )

    def _delegated(self, domain: t.Any, response: t.Any) -> list[ServerAddress]:
        ns_rrset = _find_rrset(response.authority, domain, dns.rdatatype.NS)
        if ns_rrset is None:
            raise DnsError(f"the referral for {domain} holds no NS record of it")
        targets: list[ServerAddress] = []
        for name in sorted(rdata.target for rdata in ns_rrset):
            glue = [
                rdata.address
                for rrset in response.additional
                if rrset.name == name
                and rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
                for rdata in rrset
            ]
            if glue:
                targets.extend(ServerAddress(name.to_text(), a) for a in glue)
            else:
                targets.extend(self.server_addresses([name.to_text()]))
        return _unique(targets)

    # Direct questions to authoritative servers.

    def _count(self, number: int = 1) -> None:
        with self._lock:
            self.queries_sent += number

    def make_query(self, qname: t.Any, rdtype: t.Any) -> t.Any:
        """Return the query message: RD cleared, DO set, EDNS payload 1232."""
        query = dns.message.make_query(
            to_name(qname), rdtype, want_dnssec=True, use_edns=0, payload=EDNS_PAYLOAD
        )
        query.flags &= ~dns.flags.RD
        return query

    def query(self, target: ServerAddress, qname: t.Any, rdtype: t.Any) -> QueryResult:
        """Ask one server address directly; never raises for a DNS failure.

        UDP first, TCP when the UDP answer is truncated; a timeout or network
        error is retried ``query_retry`` times.
        """
        qname = to_name(qname)
        query = self.make_query(qname, rdtype)
        start = time.monotonic()
        attempts = self.query_retry + 1
        error = ""
        for attempt in range(attempts):
            self._count()
            try:
                response, used_tcp = dns.query.udp_with_fallback(
                    query, target.address, timeout=self.query_timeout, port=self.port
                )
            except dns.exception.Timeout:
                error = f"timeout: no answer within {self.query_timeout:g} s"
                continue
            except OSError as exc:
                error = f"network error: {exc.strerror or exc}"
                continue
            except dns.exception.DNSException as exc:
                return _error_result(
                    target,
                    "error",
                    f"malformed or unexpected response: {exc}",
                    time.monotonic() - start,
                )
            if used_tcp:
                self._count()
            return classify_response(
                target, response, qname, rdtype, time.monotonic() - start
            )
        status = "timeout" if error.startswith("timeout") else "error"
        suffix = "try" if attempts == 1 else "tries"
        return _error_result(
            target, status, f"{error} ({attempts} {suffix})", time.monotonic() - start
        )

    def query_all(
        self, targets: t.Sequence[ServerAddress], qname: t.Any, rdtype: t.Any
    ) -> list[QueryResult]:
        """Ask every target concurrently; results in the order of ``targets``.

        The wall time is that of the slowest target, not the sum.
        """
        targets = list(targets)
        if not targets:
            return []
        if len(targets) == 1:
            return [self.query(targets[0], qname, rdtype)]
        workers = min(self.max_workers, len(targets))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self.query, tg, qname, rdtype) for tg in targets]
            return [future.result() for future in futures]


def _unique(targets: t.Iterable[ServerAddress]) -> list[ServerAddress]:
    seen: set[ServerAddress] = set()
    unique = []
    for target in targets:
        if target not in seen:
            seen.add(target)
            unique.append(target)
    return unique


def client_from_params(params: t.Mapping[str, t.Any], **kwargs: t.Any) -> DnsClient:
    """Return a DnsClient from module parameters of RESOLVER_ARGUMENT_SPEC."""
    timeout = params.get("query_timeout")
    retry = params.get("query_retry")
    return DnsClient(
        resolvers=params.get("resolvers") or None,
        query_timeout=5.0 if timeout is None else timeout,
        query_retry=2 if retry is None else retry,
        **kwargs,
    )
