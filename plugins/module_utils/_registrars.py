# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""The table of registrar adapters, by the name the ``registrar`` option takes.

Private to the dnsops.dnssec collection: not a public API.
"""

from __future__ import annotations

import typing as t

from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar import (
    Registrar,
    RegistrarError,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_dnsimple import (
    DnsimpleRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_gandi import (
    GandiRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_manual import (
    ManualRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_namecom import (
    NameComRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_ovh import (
    OvhRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_porkbun import (
    PorkbunRegistrar,
)
from ansible_collections.dnsops.dnssec.plugins.module_utils._registrar_route53 import (
    Route53Registrar,
)

ADAPTERS: dict[str, type[Registrar]] = {
    adapter.name: adapter
    for adapter in (
        DnsimpleRegistrar,
        GandiRegistrar,
        OvhRegistrar,
        NameComRegistrar,
        PorkbunRegistrar,
        Route53Registrar,
        ManualRegistrar,
    )
}


def make_registrar(
    name: str, params: t.Mapping[str, t.Any], **kwargs: t.Any
) -> Registrar:
    """Return the adapter of registrar ``name`` built from the module's params.

    ``kwargs`` go to the adapter (``http``, ``sleep``, ``clock`` in tests).
    Raises RegistrarError for an unknown name, and the adapter's own errors
    (AuthenticationError for missing credentials).
    """
    try:
        adapter = ADAPTERS[name]
    except KeyError:
        raise RegistrarError(
            f"unknown registrar {name!r}; known: {', '.join(sorted(ADAPTERS))}"
        ) from None
    return adapter(params, **kwargs)
