# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors

"""Tests of the AWX / Automation Platform set-up: credential types and objects."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import typing as t
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
AWX = ROOT / "extensions" / "awx"
CREDENTIAL_TYPES = sorted((AWX / "credential_types").glob("*.json"))

# The environment variables the collection's modules and plugins read.
MODULE_ENV = {
    "DNSIMPLE_TOKEN",
    "DNSIMPLE_ACCOUNT",
    "DNSIMPLE_API_URL",
    "GANDI_TOKEN",
    "GANDI_API_URL",
    "OVH_ENDPOINT",
    "OVH_APPLICATION_KEY",
    "OVH_APPLICATION_SECRET",
    "OVH_CONSUMER_KEY",
    "OVH_API_URL",
    "NAMECOM_USERNAME",
    "NAMECOM_TOKEN",
    "NAMECOM_API_URL",
    "PORKBUN_API_KEY",
    "PORKBUN_SECRET_API_KEY",
    "PORKBUN_API_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "ROUTE53_API_URL",
}
SECRET_WORDS = re.compile(r"token|secret|key|password", re.IGNORECASE)
TEMPLATE_FIELD = re.compile(r"^\{\{ (\w+) \}\}$")
CONTROLLER_TOKEN = "controller-oauth-token-value"


def _load(path: Path, name: str) -> t.Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


setup_script = _load(AWX / "controller_setup.py", "controller_setup_under_test")


def test_every_registrar_has_a_credential_type() -> None:
    names = {path.stem for path in CREDENTIAL_TYPES}
    assert names == {"dnsimple", "dnsimple_webhook", *setup_script.REGISTRARS}


@pytest.mark.parametrize("path", CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_credential_type_shape(path: Path) -> None:
    body = json.loads(path.read_text())
    assert set(body) == {"name", "description", "kind", "inputs", "injectors"}
    assert body["kind"] == "cloud"
    assert "dnsops.dnssec" in body["name"]

    fields = {field["id"]: field for field in body["inputs"]["fields"]}
    assert len(fields) == len(body["inputs"]["fields"])
    assert set(body["inputs"]["required"]) <= set(fields)
    for field in fields.values():
        assert field["type"] == "string"
        assert field["label"] and field["help_text"]
        if SECRET_WORDS.search(field["id"]):
            assert field.get("secret") is True, field["id"]
        else:
            assert "secret" not in field, field["id"]

    injectors = body["injectors"]
    assert set(injectors) <= {"env", "extra_vars"} and injectors
    used = set()
    for template in [*injectors.get("env", {}).values()]:
        match = TEMPLATE_FIELD.match(template)
        assert match and match.group(1) in fields
        used.add(match.group(1))
    for template in injectors.get("extra_vars", {}).values():
        match = TEMPLATE_FIELD.match(template)
        assert match and match.group(1) in fields
        used.add(match.group(1))
    assert used == set(fields), "every field is injected"


@pytest.mark.parametrize("path", CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_injected_environment_is_what_the_modules_read(path: Path) -> None:
    env = json.loads(path.read_text())["injectors"].get("env", {})
    assert set(env) <= MODULE_ENV


def test_module_environment_list_matches_the_modules() -> None:
    # The list above must follow the modules: read it from their argument specs.
    sources = [
        ROOT / "plugins" / "module_utils" / "_registrar.py",
        ROOT / "plugins" / "module_utils" / "_dnsimple.py",
    ]
    read = set()
    for source in sources:
        read |= set(re.findall(r'env_fallback, \["([A-Z0-9_]+)"\]', source.read_text()))
    assert read, "no env_fallback found in the module utilities"
    assert read <= MODULE_ENV


def test_optional_fields_have_defaults_where_an_empty_value_would_break() -> None:
    # The controller injects an empty string for an unset field: an empty URL or
    # region would override the module's default with nothing.
    for path in CREDENTIAL_TYPES:
        body = json.loads(path.read_text())
        for field in body["inputs"]["fields"]:
            if field["id"] in ("api_url", "region", "endpoint"):
                assert field.get("default"), f"{path.stem}.{field['id']}"
                assert field["id"] in body["inputs"]["required"]


class FakeController:
    """An in-memory controller API: lists with filters, create, update, attach."""

    def __init__(self) -> None:
        self.objects: dict[str, list[dict[str, t.Any]]] = {
            "organizations": [{"id": 1, "name": "Default"}],
            "credentials": [
                {"id": 11, "name": "DNSimple production"},
                {"id": 12, "name": "Gandi"},
            ],
            "execution_environments": [{"id": 21, "name": "dnssec-ee"}],
        }
        self.sublists: dict[str, list[int]] = {}
        self.calls: list[tuple[str, str, t.Any]] = []
        self.auth: set[str] = set()
        self._next = 100
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def writes(self) -> list[tuple[str, str, t.Any]]:
        return [call for call in self.calls if call[0] != "GET"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: t.Any) -> None:
                pass

            def _body(self) -> t.Any:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length)) if length else None

            def _reply(self, status: int, body: t.Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method: str) -> None:
                fake.auth.add(self.headers.get("Authorization", ""))
                url = urllib.parse.urlsplit(self.path)
                assert url.path.startswith("/api/v2/"), url.path
                parts = url.path[len("/api/v2/") :].strip("/").split("/")
                body = self._body() if method != "GET" else None
                fake.calls.append((method, url.path, body))
                status, answer = fake.handle(method, parts, url.query, body)
                self._reply(status, answer)

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._dispatch("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._dispatch("PATCH")

        return Handler

    def handle(
        self, method: str, parts: list[str], query: str, body: t.Any
    ) -> tuple[int, t.Any]:
        endpoint = parts[0]
        if len(parts) == 1 and method == "GET":
            filters = dict(urllib.parse.parse_qsl(query))
            found = [
                item
                for item in self.objects.get(endpoint, [])
                if all(str(item.get(k)) == v for k, v in filters.items())
            ]
            return 200, {"count": len(found), "results": found}
        if len(parts) == 1 and method == "POST":
            return 201, self._create(endpoint, body)
        if len(parts) == 2 and method == "PATCH":
            item = next(i for i in self.objects[endpoint] if i["id"] == int(parts[1]))
            item.update(body)
            return 200, item
        if len(parts) == 3 and parts[2] == "credentials":
            key = "/".join(parts)
            if method == "GET":
                ids = self.sublists.get(key, [])
                return 200, {"count": len(ids), "results": [{"id": i} for i in ids]}
            self.sublists.setdefault(key, []).append(body["id"])
            return 204, None
        if len(parts) == 3 and parts[2] == "schedules" and method == "POST":
            return 201, self._create(
                "schedules", {**body, "unified_job_template": int(parts[1])}
            )
        return 404, {"detail": "not found"}

    def _create(self, endpoint: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        self._next += 1
        item = {"id": self._next, **body}
        self.objects.setdefault(endpoint, []).append(item)
        return item


@pytest.fixture
def controller(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[FakeController]:
    fake = FakeController()
    fake.thread.start()
    monkeypatch.setenv("CONTROLLER_HOST", fake.url)
    monkeypatch.setenv("CONTROLLER_OAUTH_TOKEN", CONTROLLER_TOKEN)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


ARGS = [
    "--organization",
    "Default",
    "--project-url",
    "https://git.example.com/dns/dnssec-automation.git",
    "--registrar",
    "gandi",
    "--registrar",
    "ovh",
    "--dnsimple-credential",
    "DNSimple production",
    "--registrar-credential",
    "Gandi",
    "--execution-environment",
    "dnssec-ee",
    "--schedule-time",
    "04:05",
]


def test_first_run_creates_everything(
    controller: FakeController, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_script.main(ARGS) == 0

    objects = controller.objects
    assert sorted(item["name"] for item in objects["credential_types"]) == sorted(
        json.loads((AWX / "credential_types" / f"{n}.json").read_text())["name"]
        for n in ("dnsimple", "dnsimple_webhook", "gandi", "ovh")
    )
    (project,) = objects["projects"]
    assert project["scm_url"] == "https://git.example.com/dns/dnssec-automation.git"
    assert project["organization"] == 1
    (inventory,) = objects["inventories"]
    (source,) = objects["inventory_sources"]
    assert source["inventory"] == inventory["id"]
    assert source["source"] == "scm" and source["source_project"] == project["id"]
    assert source["source_path"] == "inventory/dnsimple.yml"
    assert source["credential"] == 11
    (template,) = objects["job_templates"]
    assert template["playbook"] == "rotate.yml"
    assert template["ask_variables_on_launch"] is True
    assert template["allow_simultaneous"] is False
    assert template["execution_environment"] == 21
    assert sorted(
        controller.sublists[f"job_templates/{template['id']}/credentials"]
    ) == [
        11,
        12,
    ]
    (schedule,) = objects["schedules"]
    assert schedule["unified_job_template"] == template["id"]
    assert schedule["rrule"] == (
        "DTSTART;TZID=UTC:20260101T040500 RRULE:FREQ=DAILY;INTERVAL=1"
    )
    assert controller.auth == {"Bearer " + CONTROLLER_TOKEN}
    output = capsys.readouterr().out
    assert "create job_templates 'DNSSEC rotation'" in output
    assert CONTROLLER_TOKEN not in output


def test_second_run_changes_nothing(
    controller: FakeController, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_script.main(ARGS) == 0
    before = len(controller.writes())
    capsys.readouterr()

    assert setup_script.main(ARGS) == 0
    assert len(controller.writes()) == before
    assert capsys.readouterr().out == "nothing to change\n"


def test_a_changed_setting_is_updated_in_place(controller: FakeController) -> None:
    assert setup_script.main(ARGS) == 0
    assert setup_script.main([*ARGS, "--project-branch", "stable"]) == 0
    patches = [call for call in controller.writes() if call[0] == "PATCH"]
    assert patches == [
        (
            "PATCH",
            f"/api/v2/projects/{controller.objects['projects'][0]['id']}/",
            {"scm_branch": "stable"},
        )
    ]


def test_dry_run_writes_nothing(
    controller: FakeController, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_script.main([*ARGS, "--dry-run"]) == 0
    assert controller.writes() == []
    assert "would create job_templates" in capsys.readouterr().out


def test_missing_organization_is_an_error(
    controller: FakeController, capsys: pytest.CaptureFixture[str]
) -> None:
    args = list(ARGS)
    args[1] = "Nope"
    assert setup_script.main(args) == 1
    assert "no organizations object" in capsys.readouterr().err
    assert controller.writes() == []


def test_without_credentials_nothing_is_called(
    controller: FakeController,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CONTROLLER_OAUTH_TOKEN")
    assert setup_script.main(ARGS) == 1
    assert "CONTROLLER_OAUTH_TOKEN" in capsys.readouterr().err
    assert controller.calls == []


@pytest.mark.parametrize("value", ["25:00", "3", "aa:bb", "12:60"])
def test_bad_schedule_time(value: str) -> None:
    with pytest.raises(setup_script.SetupError):
        setup_script.daily_rrule(value, "UTC")
