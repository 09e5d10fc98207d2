"""Parsing settings into the typed schema, and the wording of every problem report.

``parse_dataclass`` turns nested dictionaries into the frozen dataclasses of ``config/schema.py``,
refusing unknown keys (naming the closest one), missing keys and wrong types by the setting's
dotted name, then holding each value that has the right type to the limits declared next to its
field (``config/limits.py``). ``Problems`` collects one environment's reports in one wording: the environment
(or branch environment), the setting, its value, the problem, the fix, and the file or the
command-line flag the value came from; each report records the id of the rule or field limit
that made it (``Problem.rule``).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import typing
from collections.abc import Mapping
from typing import Any

from config.errors import Problem
from config.limits import Limit, limit_id, split

# Settings a user may pass on the command line, and the flag that sets each.
CONTEXT_SETTINGS = {"account": "-c account=", "compute.release": "-c release=", "branch": "-c branch="}

# The parser's own checks, by the id its reports carry (the schema's field limits carry theirs).
PARSER_CHECKS = {
    "schema.unknown-setting": "a setting the schema does not have (a typo is never a silent default)",
    "schema.missing-setting": "a setting neither the defaults nor the environment's file set",
    "schema.type": "a value of the wrong type (a number in quotes, 1 for True, a single value for a list)",
}


class Problems:
    """Collects problems of one environment in one wording.

    A problem with a value from the command line (``context``: setting -> flag) names the
    flag instead of the environment's file and is worded the same for every environment,
    so ``load`` reports it once. ``bad`` holds the settings already reported: checks that
    derive from one of them stay quiet instead of reporting the same mistake again. Each item
    is a ``Problem`` carrying the id of the rule that reported it: ``rule`` while a registered
    rule runs (``config/rules/registry.py`` sets it), or the field limit's id.
    """

    def __init__(self, profile: str, env: str, source: str, *, branch: str = "", context: Mapping[str, str] | None = None,
                 sources: Mapping[str, str] | None = None):
        self.profile, self.env, self.source, self.branch = profile, env, source, branch
        self.context = dict(context or {})
        # Settings whose value comes from elsewhere than the environment's file (branch overrides).
        self.sources = dict(sources or {})
        self.items: list[Problem] = []
        self.bad: set[str] = set()
        # The id of the rule running now, and whether an environment may accept what it refuses.
        self.rule = ""
        self.acceptable = False

    @property
    def label(self) -> str:
        if self.branch:
            return f"branch environment {self.branch!r} of '{self.env}' (profile '{self.profile}')"
        return f"environment '{self.env}' (profile '{self.profile}')"

    def add(self, setting: str, value: Any, problem: str, fix: str, *, rule: str = "") -> None:
        self.bad.add(setting)
        if self.acceptable and not rule:
            fix += f", or take it as a named risk: accepted_risks = [{{'risk': '{self.rule}', 'reason': '<why, in a sentence>'}}]"
        if setting in self.context:
            message = f"{setting} = {value!r} (from {self.context[setting]} on the command line): {problem}. Fix: {fix}."
        else:
            message = f"{self.label}: {setting} = {value!r}: {problem}. Fix: {fix} (in {self.sources.get(setting, self.source)})."
        self.items.append(Problem(message, rule=rule or self.rule, setting=setting))

    def ok(self, *settings: str) -> bool:
        """None of ``settings`` has been reported (so checks derived from them may run)."""
        return not self.bad.intersection(settings)


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """``override`` on top of ``base``; nested mappings merge, everything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if dataclasses.is_dataclass(item):
            return f"a list of groups of settings ({', '.join(f.name for f in dataclasses.fields(item) if f.init)})"
        return f"a list of {_type_name(item)}"
    return {str: "strings", int: "whole numbers", float: "numbers", bool: "True/False"}.get(tp, getattr(tp, "__name__", str(tp)))


def _example(tp: Any) -> str:
    """A short literal of type ``tp`` for a Fix hint."""
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return "{" + ", ".join(f'"{f.name}": {_example(hints[f.name])}' for f in dataclasses.fields(tp) if f.init) + "}"
    if typing.get_origin(tp) is tuple:
        return f"[{_example(typing.get_args(tp)[0])}]"
    if typing.get_origin(tp) is typing.Literal:
        return repr(typing.get_args(tp)[0])
    return {str: '"..."', int: "1", float: "0.5", bool: "True"}.get(tp, "...")


def _settable(f: dataclasses.Field) -> bool:
    return f.init and (f.default is dataclasses.MISSING or bool(f.metadata.get("optional")))


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Any, tuple[Limit, ...]], ...]:
    """The settable fields of a schema class: (name, type, its declared limits), read once."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple((f.name, *split(hints[f.name])) for f in dataclasses.fields(cls) if _settable(f))


@functools.cache
def _optional(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.metadata.get("optional"))


def parse(tp: Any, value: Any, path: str, problems: Problems, limits: tuple[Limit, ...] = ()) -> Any:
    """Turn ``value`` into ``tp`` or record why not; returns None when it cannot.

    A value of the right type is then held to ``limits`` (or those annotated on ``tp``): the
    first it breaks is reported, under the limit's id, and the value is still returned, so the
    rules run (``problems.ok`` keeps those built on it quiet).
    """
    if typing.get_origin(tp) is typing.Annotated:
        tp, annotated = split(tp)
        limits += annotated
    parsed = _parse(tp, value, path, problems)
    if parsed is not None:
        for limit in limits:
            problem = limit.violation(parsed)
            if problem:
                problems.add(path, list(parsed) if isinstance(parsed, tuple) else parsed, problem, limit.fix, rule=limit_id(path, limit))
                break
    return parsed


def _parse(tp: Any, value: Any, path: str, problems: Problems) -> Any:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            # ``path`` ends with the "." its fields are appended to.
            problems.add(path.rstrip("."), value, "expected a group of settings", f"write it as a dictionary, e.g. {_example(tp)}", rule="schema.type")
            return None
        return parse_dataclass(tp, value, path, problems)
    if origin is typing.Literal:
        if value in typing.get_args(tp):
            return value
        problems.add(path, value, f"must be {_type_name(tp)}", "pick one of the allowed values", rule="schema.type")
        return None
    if origin is tuple:
        if isinstance(value, (list, tuple)):
            item_type = typing.get_args(tp)[0]
            dot = "." if dataclasses.is_dataclass(item_type) else ""
            items = [parse(item_type, v, f"{path}[{i}]{dot}", problems) for i, v in enumerate(value)]
            return None if any(item is None for item in items) else tuple(items)
        problems.add(path, value, f"must be {_type_name(tp)}", f"write a list, e.g. {_example(tp)}", rule="schema.type")
        return None
    # bool is an int in Python: keep them apart so `multi_az: 1` is not silently accepted.
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        problems.add(path, value, "must be a whole number", "write a number without quotes", rule="schema.type")
        return None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.add(path, value, "must be a number", "write a number without quotes, e.g. 0.5", rule="schema.type")
            return None
        return float(value)
    if tp is bool and not isinstance(value, bool):
        problems.add(path, value, "must be True or False", "write True or False", rule="schema.type")
        return None
    if tp is str and not isinstance(value, str):
        problems.add(path, value, "must be a string", "put the value in quotes", rule="schema.type")
        return None
    return value


def parse_dataclass(cls: type, data: Mapping, prefix: str, problems: Problems) -> Any:
    fields = _fields(cls)
    # In the schema's order (a list, not a set), so messages come in the same order every run.
    settable = [name for name, _, _ in fields]
    for key in data:
        if key not in settable:
            close = difflib.get_close_matches(str(key), settable, n=1, cutoff=0.6)
            fix = (f"did you mean '{prefix}{close[0]}'? Rename it, or remove it" if close
                   else f"remove it (settings here: {', '.join(sorted(settable))})")
            problems.add(f"{prefix}{key}", data[key], "unknown setting", fix, rule="schema.unknown-setting")
    values = {}
    missing = False
    for name, tp, limits in fields:
        path = f"{prefix}{name}"
        if name not in data:
            # An optional field left out takes its default; any other is a mistake.
            if name not in _optional(cls):
                problems.add(path, None, "missing", "set it in config/defaults.py or the environment's file", rule="schema.missing-setting")
                missing = True
            continue
        values[name] = parse(tp, data[name], f"{path}." if dataclasses.is_dataclass(tp) else path, problems, limits)
    if missing or any(v is None for v in values.values()):
        return None
    return cls(**values)
