"""The configuration's one error type, and importing the files users edit.

``app.py`` prints a ``ConfigError`` and exits non-zero before any construct exists.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType


class Problem(str):
    """One line of a ``ConfigError``, and the rule or field limit that found it.

    A string (the message) that also carries ``rule``, the stable id of the check that
    reported it (``database.backup-retention-in-production``, ``network.public_subnet_mask:range``),
    and ``setting``, the dotted name it blames; tests assert on the id, not only the wording.
    """

    rule: str
    setting: str

    def __new__(cls, message: str, *, rule: str = "", setting: str = "") -> Problem:
        problem = super().__new__(cls, message)
        problem.rule, problem.setting = rule, setting
        return problem


class ConfigError(Exception):
    """One or more configuration mistakes; ``str()`` is the message for the user."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__(
            "Invalid configuration, synthesis stopped:\n" + "\n".join(f"  - {p}" for p in self.problems)
        )


def settings_file(module: str) -> str:
    """The file a user edits for ``module``: "config.dev" -> "config/dev.py"."""
    return module.replace(".", "/") + ".py"


def import_settings(module: str) -> ModuleType:
    """Import a configuration file; a mistake in it (a syntax error, a misspelled name, a
    missing import) becomes a ``ConfigError`` of one line with the file and line."""
    if module in sys.modules:
        return sys.modules[module]
    file = settings_file(module)
    try:
        return importlib.import_module(module)
    except SyntaxError as error:
        where = f"{file}, line {error.lineno}" if error.lineno else file
        raise ConfigError([f"{where}: {error.msg}. Fix: correct the Python syntax there."]) from None
    except Exception as error:  # noqa: BLE001 - any mistake in a settings file is the user's to fix
        sys.modules.pop(module, None)
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).as_posix().endswith("/" + file)]
        where = f"{file}, line {frames[-1].lineno}" if frames else file
        raise ConfigError([
            f"{where}: {type(error).__name__}: {error}. Fix: the file is Python that must run on its own; "
            "correct that line (a settings value is a string, number, True/False, list or dict)."
        ]) from None
