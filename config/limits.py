"""Limits one setting must stay within, declared next to its field in ``config/schema.py``.

    public_subnet_mask: Annotated[int, Range(16, 28, problem="...", fix="use e.g. 24")]

``config/parser.py`` enforces them after the type check (a value of the wrong type is
reported once, as a wrong type), in the wording of every other problem: the environment, the
setting, the value, the problem and the fix given here, and the file or ``-c`` flag the value
came from. Each report carries the limit's id (``network.public_subnet_mask:range``), so a test
can tell which limit spoke; ``field_limits`` enumerates them for those tests and for the
configuration reference. The first limit a value breaks is reported; the rest stay quiet.

What needs a second setting, or advice computed from the value, is a rule (``config/rules/``).

Also here: AWS's fixed values that both the schema's limits and the rules read.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

# ---------------------------------------------------------------- AWS's fixed values

# CloudWatch Logs accepts only these retention values (days).
# Metadata of a schema field a configuration may leave out, its default then applying:
# ``name: str = field(default="", metadata=OPTIONAL)``. Other fields with a default are set by
# the loader, never by a file.
OPTIONAL: Mapping[str, Any] = {"optional": True}

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)

# Valid Fargate CPU units -> allowed memory (MiB).
FARGATE_SIZES: Mapping[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

# RDS enhanced monitoring intervals (seconds; 0 = off).
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)

# Tag values: at most 256 letters, digits, spaces and _ . : / = + - @ (every resource carries them).
TAG_VALUE_RE = re.compile(r"^[A-Za-z0-9 _.:/=+\-@]{0,256}$")

# EC2 instance types: family letters, generation, attribute letters; a "g" attribute is Graviton.
INSTANCE_TYPE_RE = re.compile(r"^(?P<family>[a-z]+)(?P<generation>\d+)(?P<attributes>[a-z-]*)\.[a-z0-9]+$")


# Path patterns that both CloudFront (a cache behaviour: at most 255 characters) and the load
# balancer (a path-pattern condition: at most 128, case-sensitive) accept: "/" first, letters,
# digits and _ . $ / ~ @ : + - (CloudFront and the ALB also take " ' and &, which need quoting
# or escaping: left out), "*" for any characters and "?" for one. A listener rule's conditions
# hold at most 5 wildcards in all (ALB quota, not adjustable), so a pattern holds at most 5.
PATH_PATTERN_RE = re.compile(r"(?=[^*?]*(?:[*?][^*?]*){0,5}$)/[A-Za-z0-9_.$/~@:+*?-]{0,127}")
# Cache behaviours per distribution, the default one included (CloudFront's default quota).
CLOUDFRONT_MAX_BEHAVIOURS = 75


def is_graviton(instance_type: str) -> bool:
    match = INSTANCE_TYPE_RE.match(instance_type)
    return match is not None and "g" in match["attributes"].split("-")[0]


# ---------------------------------------------------------------- the kinds of limit


class Limit:
    """One limit of one setting. ``violation`` returns the problem ("" when the value is
    within the limit); ``describe`` is the limit as the configuration reference shows it."""

    kind: typing.ClassVar[str]
    problem: str
    fix: str

    def violation(self, value: Any) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _number(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Range(Limit):
    """A number from ``low`` to ``high`` (either may be None: no bound), optionally in steps."""

    kind = "range"

    def __init__(self, low: float | None = None, high: float | None = None, *, step: float | None = None,
                 problem: str = "", fix: str = ""):
        self.low, self.high, self.step = low, high, step
        if low is not None and high is not None:
            self.problem = problem or f"must be between {_number(low)} and {_number(high)}"
            self.fix = fix or f"use a value from {_number(low)} to {_number(high)}"
        else:
            self.problem = problem or (f"must be {_number(low)} or more" if low is not None else f"must be {_number(high)} or less")
            self.fix = fix or "use a value within the limit"

    def violation(self, value: float) -> str:
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            return self.problem
        if self.step and not (value / self.step).is_integer():
            return self.problem
        return ""

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            text = f"{_number(self.low)} to {_number(self.high)}"
        else:
            text = f"at least {_number(self.low)}" if self.low is not None else f"at most {_number(self.high)}"
        return text + (f", in steps of {_number(self.step)}" if self.step else "")


class OneOf(Limit):
    """One of a fixed list of values (AWS's accepted values, not the schema's choices: those
    are ``Literal`` types)."""

    kind = "one-of"

    def __init__(self, values: Collection, *, problem: str, fix: str):
        self.values, self.problem, self.fix = tuple(values), problem, fix

    def violation(self, value: Any) -> str:
        return "" if value in self.values else self.problem

    def describe(self) -> str:
        return "one of " + ", ".join(map(str, self.values))


class NoneOf(Limit):
    """Any value but these."""

    kind = "none-of"

    def __init__(self, values: Collection, *, problem: str, fix: str):
        self.values, self.problem, self.fix = tuple(values), problem, fix

    def violation(self, value: Any) -> str:
        return self.problem if value in self.values else ""

    def describe(self) -> str:
        return "not " + ", ".join(f"`{v}`" for v in self.values)


def _unanchored(regex: re.Pattern) -> str:
    """The pattern as the reference shows it: without ^ and $ (limits match the whole value
    anyway) and without group names."""
    return re.sub(r"\(\?P<\w+>", "(", regex.pattern.removeprefix("^").removesuffix("$"))


class Pattern(Limit):
    """A string matching ``regex`` as a whole; with ``optional``, also the empty string (off).
    The reference shows the pattern, or ``what`` where that reads better."""

    kind = "pattern"

    def __init__(self, regex: str | re.Pattern, *, problem: str, fix: str, optional: bool = False, what: str = ""):
        self.regex = re.compile(regex)
        self.problem, self.fix, self.optional, self.what = problem, fix, optional, what

    def violation(self, value: str) -> str:
        if self.optional and value == "":
            return ""
        return "" if self.regex.fullmatch(value) else self.problem

    def describe(self) -> str:
        return (self.what or f"matches `{_unanchored(self.regex)}`") + (", or empty" if self.optional else "")


class Items(Limit):
    """Every item of a list matches ``regex``; the report names the items that do not
    (``['admin'] are not email addresses``). The reference shows the pattern, or ``what``
    where that reads better."""

    kind = "items"

    def __init__(self, regex: str | re.Pattern, *, problem: str, fix: str, what: str = ""):
        self.regex = re.compile(regex)
        self.problem, self.fix, self.what = problem, fix, what

    def violation(self, value: tuple) -> str:
        bad = [item for item in value if not self.regex.fullmatch(item)]
        return f"{bad} {self.problem}" if bad else ""

    def describe(self) -> str:
        return self.what or f"each matches `{_unanchored(self.regex)}`"


class Distinct(Limit):
    """A list without an item twice."""

    kind = "distinct"

    def __init__(self, *, problem: str, fix: str):
        self.problem, self.fix = problem, fix

    def violation(self, value: tuple) -> str:
        return self.problem if len(set(value)) != len(value) else ""

    def describe(self) -> str:
        return "no item twice"


class Check(Limit):
    """A value ``predicate`` accepts; ``what`` says what that is, for the reference."""

    kind = "check"

    def __init__(self, predicate: Callable[[Any], bool], what: str, *, problem: str, fix: str):
        self.predicate, self.what, self.problem, self.fix = predicate, what, problem, fix

    def violation(self, value: Any) -> str:
        return "" if self.predicate(value) else self.problem

    def describe(self) -> str:
        return self.what


# ---------------------------------------------------------------- reading them from the schema


def split(tp: Any) -> tuple[Any, tuple[Limit, ...]]:
    """``Annotated[int, Range(...)]`` -> (int, (Range(...),)); any other type -> (it, ())."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *extras = typing.get_args(tp)
        return base, tuple(e for e in extras if isinstance(e, Limit))
    return tp, ()


_ITEM_INDEX = re.compile(r"\[\d+\]")


def limit_id(path: str, limit: Limit) -> str:
    """The stable id of a field limit: the setting's schema path and the kind of limit
    (``application_topics[].name:pattern``); list items are written ``[]``, not ``[3]``."""
    return _ITEM_INDEX.sub("[]", path) + ":" + limit.kind


def field_limits(cls: type, prefix: str = "") -> Iterator[tuple[str, Limit]]:
    """Every limit declared in the dataclass ``cls`` and its sections: (setting path, limit)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        tp, limits = split(hints[field.name])
        path = f"{prefix}{field.name}"
        for limit in limits:
            yield path, limit
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            yield from field_limits(tp, f"{path}.")
        elif isinstance(item, type) and dataclasses.is_dataclass(item):
            yield from field_limits(item, f"{path}[].")
