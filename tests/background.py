"""Work the selected tests will need, started when the session starts, on the second core.

The suite is mostly single-threaded: synthesis waits on jsii's Node process, and the
tests of app.py and of the CLI wait on subprocesses. Two things therefore start as soon
as collection has chosen the tests (``pytest_collection_finish`` in conftest.py), and
only for what the chosen tests use:

- ``Prefetch``: one subprocess (``python -m tests.synth_worker``) synthesizes the variants
  the chosen tests read, from the last to the first, while the session synthesizes from
  the first on demand. Each variant is claimed by whoever starts it (an exclusive file),
  so each is still synthesized once per session; a focused run that reads one variant
  starts no worker.
- ``Jobs``: commands registered by test modules with ``@background_command(name)`` and
  used by a test marked ``@pytest.mark.background(name)``, run one after another in a
  thread; ``Jobs.result(name)`` waits for one.

Results are the same as without it: the same code synthesizes, into the same kind of folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    timeout: int = 300


# Name -> function of a scratch folder giving the command; filled by test modules on import.
COMMANDS: dict[str, Callable[[Path], Command]] = {}


def background_command(name: str) -> Callable[[Callable[[Path], Command]], Callable[[Path], Command]]:
    def register(factory: Callable[[Path], Command]) -> Callable[[Path], Command]:
        COMMANDS[name] = factory
        return factory
    return register


class Jobs:
    """Registered commands the chosen tests use, run in order in one thread."""

    def __init__(self, names: list[str], scratch: Callable[[str], Path]) -> None:
        self._folders = {name: scratch(name) for name in names}
        self._results: dict[str, subprocess.CompletedProcess | BaseException] = {}
        self._done = {name: threading.Event() for name in names}
        self._thread = threading.Thread(target=self._run, name="background-jobs", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for name, folder in self._folders.items():
            command = COMMANDS[name](folder)
            try:
                self._results[name] = subprocess.run(command.argv, cwd=command.cwd, env=command.env, capture_output=True,
                                                     text=True, stdin=subprocess.DEVNULL, timeout=command.timeout)
            except BaseException as error:  # reported by the test that reads it
                self._results[name] = error
            self._done[name].set()

    def result(self, name: str) -> tuple[subprocess.CompletedProcess, Path]:
        """The finished command ``name`` and its scratch folder (the test must be marked with it)."""
        if name not in self._done:
            raise KeyError(f"{name!r} is not a background command of this session: mark the test "
                           f"@pytest.mark.background({name!r})")
        self._done[name].wait()
        outcome = self._results[name]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome, self._folders[name]


class Claims:
    """Who synthesizes which variant: the first to create ``<root>/<variant>.claim``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def claim(self, variant: str) -> bool:
        try:
            os.close(os.open(self.root / f"{variant}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def result_file(self, variant: str) -> Path:
        return self.root / f"{variant}.json"

    def error_file(self, variant: str) -> Path:
        return self.root / f"{variant}.error"

    def folder(self, variant: str) -> Path:
        return self.root / variant


class Prefetch:
    """The worker synthesizing variants the session will read, last first."""

    def __init__(self, claims: Claims, variants: list[str], *, hostile_variables: dict[str, str]) -> None:
        self.claims = claims
        env = {**os.environ, **hostile_variables,
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.synth_worker", str(claims.root), *reversed(variants)],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def wait_for(self, variant: str) -> dict:
        """The worker's record of ``variant`` (claimed by it), once written."""
        result, error = self.claims.result_file(variant), self.claims.error_file(variant)
        while not result.exists():
            if error.exists():
                raise RuntimeError(f"synthesizing {variant!r} failed in the prefetch worker:\n{error.read_text()}")
            if self.process.poll() is not None and not result.exists():
                raise RuntimeError(f"the prefetch worker stopped before {variant!r}:\n{self.process.stderr.read() if self.process.stderr else ''}")
            time.sleep(0.05)
        return json.loads(result.read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
