# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Registrar API simulators for the lab, one module per registrar.

Each follows its provider's published API (paths, methods, auth, body shapes,
error formats) closely enough that the collection's adapters cannot tell the
difference, and publishes its writes into the lab's parent zone.
"""

from __future__ import annotations

import importlib
import typing as t

from ._base import (
    ApiFailure,
    DsSimulator,
    KeySimulator,
    Request,
    Response,
    Simulator,
    ds_text,
    normalize_ds,
)

# Registrar name -> "module:Class", loaded on demand.
SIMULATORS = {
    "namecom": "namecom:NameComSimulator",
    "porkbun": "porkbun:PorkbunSimulator",
    "gandi": "gandi:GandiSimulator",
    "ovh": "ovh:OvhSimulator",
    "route53": "route53:Route53DomainsSimulator",
}


def simulator_class(name: str) -> t.Type[Simulator]:
    """Return the simulator class of a registrar (``namecom``, ``porkbun``, ...)."""
    module_name, class_name = SIMULATORS[name].split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)


__all__ = [
    "ApiFailure",
    "DsSimulator",
    "KeySimulator",
    "Request",
    "Response",
    "SIMULATORS",
    "Simulator",
    "ds_text",
    "normalize_ds",
    "simulator_class",
]
