# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A DNS lab on loopback: real Knot and Unbound servers for DNSSEC tests.

Test code only (it imports dnspython, never ansible).  Needs root, knotd,
knotc, keymgr and unbound.

Topology of lab ``net`` N (0-255; ``DNSLAB_NET`` or 0 by default), all on
port 53:

- ``127.53.N.1`` the signed root (``a.root-servers.lab.``);
- ``127.53.N.2`` ``a.nic.test.``, primary of the signed TLD ``test.``; takes
  RFC 2136 UPDATEs signed with the lab's TSIG key and NOTIFYs the secondaries;
- ``127.53.N.3`` ``b.nic.test.`` and ``fd53::N:3`` ``c.nic.test.`` (IPv6
  only), secondaries of ``test.``;
- ``127.53.N.4`` ``ns1.dns.test.``, Knot signing every child zone, and
  ``127.53.N.5`` ``ns2.dns.test.``, its secondary: both serve the same keys;
- ``127.53.N.6`` a validating Unbound whose trust anchor is the lab root.

Child zones: ``child1.test.`` ... ``child<K-1>.test.`` and
``example.co.test.`` (delegated straight from ``test.``), each with
``www.<zone> A 192.0.2.80``.  Algorithm 13; DS TTL ``ds_ttl`` (3 s).

Every server address above but the resolver's is a fault proxy in front of
Knot on the same address, port 5300.

API (``Lab``)::

    lab = Lab(net=None, children=1, ds_ttl=3)  # .start()/.stop() or `with`
    lab.net, lab.tld ("test."), lab.root_address, lab.resolver_address
    lab.parent_addresses        # every address of every parent server
    lab.parent_servers          # {"a.nic.test.": ["127.53.N.2"], ...}
    lab.child_addresses, lab.child_servers, lab.children
    lab.ds_ttl, lab.tsig_key_file, lab.tsig_key  # file: "hmac-sha256:name:secret"
    lab.child_keys(zone)        # KSKs: dnskey, keytag, signing, ds, event
    lab.freeze(address), lab.thaw(address)       # hold back zone changes
    lab.faults.set(address, "pass|drop|servfail|refused|delay", seconds=0)
    lab.faults.clear(address=None)
    lab.meter(zones=None, interval=0.2)          # OutageMeter
    lab.resolve(name, rdtype), lab.flush_resolver()
    lab.registry.get_ds(domain) -> ["keytag alg type HEX", ...]
    lab.registry.set_ds(domain, ds_texts, delay=0), add_ds, remove_ds,
    lab.registry.publish(domain, ds_texts), parent_ds(domain),
    lab.registry.wait_published(domain)
    lab.signer.start_rotation(zone), rotation_state(zone), wait(zone, phase)
    lab.signer.on_event = callback  # or add_listener(callback)
    #   callback(event_name, zone, ds) with ds = {"keytag", "algorithm",
    #   "digest_type", "digest" (upper hex), "public_key"}, all strings

Child servers disagree when the second one is frozen
(``lab.freeze(lab.child_addresses[1])``) while the first one changes, e.g.
during a rotation or after ``lab.server_for(address).knotc("zone-sign", zone)``.
"""

from __future__ import annotations

from .lab import Lab, free_net
from .meter import OutageMeter
from .process import LabError
from .signer import ROTATION_COMPLETE, ROTATION_START

__all__ = [
    "Lab",
    "LabError",
    "OutageMeter",
    "ROTATION_COMPLETE",
    "ROTATION_START",
    "free_net",
]
