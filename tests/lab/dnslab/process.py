# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""Start and stop the lab's server processes."""

from __future__ import annotations

import os
import pathlib
import subprocess
import typing as t


class LabError(RuntimeError):
    """A lab server could not be started, reached or stopped."""


def tail(path: pathlib.Path, lines: int = 25) -> str:
    """Return the last ``lines`` lines of the file at ``path`` ('' if unreadable)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ServerProcess:
    """One server run in the foreground, its output captured in ``log_path``.

    The process is started in its own session and stopped by its PID only.
    """

    def __init__(self, name: str, argv: list[str], log_path: pathlib.Path) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The PID of the running process, None before start."""
        return self.popen.pid if self.popen else None

    def start(self) -> None:
        """Start the process; raise LabError when the executable cannot run."""
        with open(self.log_path, "ab") as log:
            try:
                self.popen = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise LabError(
                    f"{self.name}: cannot run {self.argv[0]}: {exc}"
                ) from exc

    def running(self) -> bool:
        """Return True while the process has not exited."""
        return self.popen is not None and self.popen.poll() is None

    def check(self) -> None:
        """Raise LabError with the log tail when the process has exited."""
        if self.popen is not None and self.popen.poll() is not None:
            raise self.failure(f"exited with status {self.popen.returncode}")

    def failure(self, what: str) -> LabError:
        """Return a LabError naming this server, ``what`` went wrong and its log."""
        return LabError(
            f"{self.name} ({' '.join(self.argv)}) {what}; last lines of "
            f"{self.log_path}:\n{tail(self.log_path)}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process by its PID and wait until it has exited."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout)


def run(argv: list[str], timeout: float = 30.0, **kwargs: t.Any) -> str:
    """Run a short command; return its stdout, raise LabError if it fails."""
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
            **kwargs,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{' '.join(argv)}: {exc}") from exc
    if done.returncode != 0:
        raise LabError(
            f"{' '.join(argv)} failed with status {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()}"
        )
    return done.stdout
