# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Create the dnsops.dnssec objects in AWX or Ansible Automation Platform.

Run with ``python3 controller_setup.py --help``.  Needs only the Python standard
library.  Every object is looked up by name first and created or updated only
when it differs, so a second run changes nothing.  The credentials themselves
(the secrets) are created by the operator; this script creates their types and
attaches existing credentials by name.

The controller is reached with ``CONTROLLER_HOST`` and either
``CONTROLLER_OAUTH_TOKEN`` or ``CONTROLLER_USERNAME`` and
``CONTROLLER_PASSWORD``, the variables the awx.awx collection reads too.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import ssl
import sys
import typing as t
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CREDENTIAL_TYPES_DIR = os.path.join(HERE, "credential_types")
REGISTRARS = ("gandi", "ovh", "namecom", "porkbun", "route53")


class SetupError(Exception):
    """A controller call failed or an object is missing; the message says which."""


class Controller:
    """A minimal client of the controller's REST API (v2)."""

    def __init__(
        self,
        host: str,
        api_prefix: str = "/api/v2/",
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        verify_ssl: bool = True,
        dry_run: bool = False,
    ) -> None:
        self.base = host.rstrip("/") + "/" + api_prefix.strip("/") + "/"
        self.dry_run = dry_run
        self.changes: list[str] = []
        if token:
            self._auth = "Bearer " + token
        elif username and password:
            pair = f"{username}:{password}".encode()
            self._auth = "Basic " + base64.b64encode(pair).decode()
        else:
            raise SetupError(
                "set CONTROLLER_OAUTH_TOKEN, or CONTROLLER_USERNAME and "
                "CONTROLLER_PASSWORD"
            )
        self._context = ssl.create_default_context()
        if not verify_ssl:
            self._context.check_hostname = False
            self._context.verify_mode = ssl.CERT_NONE

    def request(
        self, method: str, path: str, body: dict[str, t.Any] | None = None
    ) -> t.Any:
        """Call the API; return the decoded JSON answer, or None when empty."""
        url = path if path.startswith("http") else self.base + path.lstrip("/")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", self._auth)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(
                request, timeout=30, context=self._context
            ) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise SetupError(f"{method} {url}: HTTP {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise SetupError(f"{method} {url}: {exc.reason}") from None
        return json.loads(text) if text.strip() else None

    def find(self, endpoint: str, **filters: t.Any) -> dict[str, t.Any] | None:
        """Return the one object of ``endpoint`` matching ``filters``, or None."""
        query = urllib.parse.urlencode(sorted(filters.items()))
        answer = self.request("GET", f"{endpoint}/?{query}")
        results = answer.get("results", []) if isinstance(answer, dict) else []
        if len(results) > 1:
            raise SetupError(f"several {endpoint} match {filters}")
        return results[0] if results else None

    def need(self, endpoint: str, **filters: t.Any) -> dict[str, t.Any]:
        """Return the one object matching ``filters``; raise SetupError if none."""
        found = self.find(endpoint, **filters)
        if found is None:
            raise SetupError(f"no {endpoint} object with {filters}")
        return found

    def ensure(
        self,
        endpoint: str,
        lookup: dict[str, t.Any],
        desired: dict[str, t.Any],
        create_path: str | None = None,
    ) -> dict[str, t.Any]:
        """Create the object, or update the fields that differ from ``desired``."""
        current = self.find(endpoint, **lookup)
        label = f"{endpoint} {desired.get('name')!r}"
        if current is None:
            self.changes.append(f"create {label}")
            if self.dry_run:
                return {"id": None, **desired}
            return self.request("POST", create_path or f"{endpoint}/", desired)

        changed = {
            key: value for key, value in desired.items() if current.get(key) != value
        }
        if not changed:
            return current
        self.changes.append(f"update {label}: {', '.join(sorted(changed))}")
        if self.dry_run:
            return {**current, **changed}
        return self.request("PATCH", f"{endpoint}/{current['id']}/", changed)

    def associate(self, path: str, object_id: int, label: str) -> None:
        """Attach ``object_id`` to the sub-list at ``path`` unless it is there."""
        answer = self.request("GET", path)
        present = {item["id"] for item in (answer or {}).get("results", [])}
        if object_id in present:
            return
        self.changes.append(f"attach {label}")
        if not self.dry_run:
            self.request("POST", path, {"id": object_id})


def load_credential_type(name: str) -> dict[str, t.Any]:
    """Return the API body of one credential type shipped beside this script."""
    with open(
        os.path.join(CREDENTIAL_TYPES_DIR, f"{name}.json"), encoding="utf-8"
    ) as f:
        return json.load(f)


def daily_rrule(time_of_day: str, timezone: str) -> str:
    """Return the iCalendar rule of a daily run at ``HH:MM`` in ``timezone``."""
    try:
        hour, minute = (int(part) for part in time_of_day.split(":"))
    except ValueError:
        raise SetupError(
            f"--schedule-time must be HH:MM, got {time_of_day!r}"
        ) from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise SetupError(f"--schedule-time must be HH:MM, got {time_of_day!r}")
    return (
        f"DTSTART;TZID={timezone}:20260101T{hour:02d}{minute:02d}00 "
        "RRULE:FREQ=DAILY;INTERVAL=1"
    )


def setup(controller: Controller, options: argparse.Namespace) -> None:
    """Create or update every object; record what changed in ``controller``."""
    org = controller.need("organizations", name=options.organization)

    for name in ("dnsimple", "dnsimple_webhook", *options.registrar):
        body = load_credential_type(name)
        controller.ensure("credential_types", {"name": body["name"]}, body)

    project = controller.ensure(
        "projects",
        {"name": options.project_name, "organization": org["id"]},
        {
            "name": options.project_name,
            "organization": org["id"],
            "scm_type": "git",
            "scm_url": options.project_url,
            "scm_branch": options.project_branch,
            "scm_update_on_launch": True,
            "allow_override": False,
        },
    )

    inventory = controller.ensure(
        "inventories",
        {"name": options.inventory_name, "organization": org["id"]},
        {
            "name": options.inventory_name,
            "organization": org["id"],
            "description": "DNSimple domains with DNSSEC, from dnsops.dnssec",
        },
    )

    dnsimple_credential = _credential(controller, options.dnsimple_credential)
    source = {
        "name": f"{options.inventory_name} from DNSimple",
        "inventory": inventory["id"],
        "source": "scm",
        "source_project": project["id"],
        "source_path": options.inventory_source_path,
        "overwrite": True,
        "update_on_launch": True,
        "update_cache_timeout": 300,
    }
    if dnsimple_credential:
        source["credential"] = dnsimple_credential["id"]
    controller.ensure(
        "inventory_sources",
        {"name": source["name"], "inventory": inventory["id"]},
        source,
    )

    template = {
        "name": options.job_template,
        "job_type": "run",
        "project": project["id"],
        "inventory": inventory["id"],
        "playbook": options.playbook,
        "ask_variables_on_launch": True,
        "ask_limit_on_launch": True,
        "allow_simultaneous": False,
        "description": "dnsops.dnssec rotation: from DNSimple webhooks and daily",
    }
    if options.execution_environment:
        ee = controller.need(
            "execution_environments", name=options.execution_environment
        )
        template["execution_environment"] = ee["id"]
    job_template = controller.ensure(
        "job_templates",
        {"name": options.job_template, "project": project["id"]},
        template,
    )

    for name in (options.dnsimple_credential, *options.registrar_credential):
        credential = _credential(controller, name)
        if credential and job_template.get("id") is not None:
            controller.associate(
                f"job_templates/{job_template['id']}/credentials/",
                credential["id"],
                f"credential {name!r} to job template {options.job_template!r}",
            )

    if job_template.get("id") is not None:
        controller.ensure(
            "schedules",
            {
                "name": options.schedule_name,
                "unified_job_template": job_template["id"],
            },
            {
                "name": options.schedule_name,
                "rrule": daily_rrule(options.schedule_time, options.timezone),
                "enabled": True,
                "description": "Catches up with any webhook that was missed",
            },
            create_path=f"job_templates/{job_template['id']}/schedules/",
        )
    else:
        controller.changes.append(f"create schedules {options.schedule_name!r}")


def _credential(controller: Controller, name: str | None) -> dict[str, t.Any] | None:
    if not name:
        return None
    return controller.need("credentials", name=name)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command line options."""
    parser = argparse.ArgumentParser(
        description="Create the dnsops.dnssec credential types, project, "
        "inventory, inventory source, job template and daily schedule."
    )
    add = parser.add_argument
    add("--controller-host", default=os.environ.get("CONTROLLER_HOST"))
    add(
        "--api-prefix",
        default="/api/v2/",
        help="/api/v2/ for AWX and AAP 2.4, /api/controller/v2/ for AAP 2.5",
    )
    add("--no-verify-ssl", action="store_true")
    add("--organization", required=True)
    add("--project-name", default="DNSSEC rotation")
    add("--project-url", required=True, help="git URL of the project repository")
    add("--project-branch", default="main")
    add("--inventory-name", default="DNSimple domains")
    add("--inventory-source-path", default="inventory/dnsimple.yml")
    add("--job-template", default="DNSSEC rotation")
    add("--playbook", default="rotate.yml")
    add("--execution-environment", help="name of an existing execution environment")
    add("--dnsimple-credential", help="name of an existing DNSimple credential")
    add(
        "--registrar",
        action="append",
        default=[],
        choices=REGISTRARS,
        help="create this registrar's credential type (repeatable)",
    )
    add(
        "--registrar-credential",
        action="append",
        default=[],
        help="name of an existing registrar credential to attach (repeatable)",
    )
    add("--schedule-name", default="DNSSEC rotation, daily")
    add("--schedule-time", default="03:17", help="HH:MM")
    add("--timezone", default="UTC")
    add("--dry-run", action="store_true", help="report what would change")
    options = parser.parse_args(argv)
    if not options.controller_host:
        parser.error("set --controller-host or CONTROLLER_HOST")
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the set-up; print what changed; return the exit status."""
    options = parse_args(argv)
    try:
        controller = Controller(
            options.controller_host,
            api_prefix=options.api_prefix,
            token=os.environ.get("CONTROLLER_OAUTH_TOKEN"),
            username=os.environ.get("CONTROLLER_USERNAME"),
            password=os.environ.get("CONTROLLER_PASSWORD"),
            verify_ssl=not options.no_verify_ssl,
            dry_run=options.dry_run,
        )
        setup(controller, options)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for change in controller.changes:
        print(("would " if options.dry_run else "") + change)
    if not controller.changes:
        print("nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
