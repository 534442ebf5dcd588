#!/usr/bin/env python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Stand-in for the pip bootstrap script ansible-test downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host that machines with
access to the package index alone cannot reach.  The Makefile installs this
file in that script's cache place only when the download fails.  It bootstraps
pip with the interpreter's own ``ensurepip`` and then installs the requested
pip version from the package index, which is all ansible-test needs.
"""

from __future__ import annotations

import subprocess
import sys


def requested_packages(arguments: list[str]) -> list[str]:
    """Return the package specifiers among get-pip's arguments, without options."""
    return [argument for argument in arguments if not argument.startswith("-")]


def main() -> int:
    """Bootstrap pip into the running interpreter; return the exit status."""
    # ensurepip must run in a separate process: it imports pip from a wheel.
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True)
    packages = requested_packages(sys.argv[1:])
    if packages:
        command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
        subprocess.run(command + packages, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
