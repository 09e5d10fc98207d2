"""`make docs`: the configuration reference (docs/configuration-reference.md), generated.

Every setting of ``config/schema.py`` with its type, its limits (declared next to the field),
the comment written above it there, its default (``config/defaults.py``) and the reference
profile's value per environment where it differs; then every rule across settings
(``config/rules/``) by its id. The schema's comments and the rules' descriptions are the one
place each is documented; this page is regenerated from them, and a test fails when the
committed page is stale.

    python scripts/config_reference.py            # write the page
    python scripts/config_reference.py --check    # exit 1 if the committed page differs
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import schema  # noqa: E402
from config.defaults import BRANCH_OVERRIDES, DEFAULTS  # noqa: E402
from config.errors import import_settings  # noqa: E402
from config.limits import split  # noqa: E402
from config.profiles import DEFAULT_PROFILE, PROFILES  # noqa: E402
from config.rules import RULES  # noqa: E402

PAGE = ROOT / "docs" / "configuration-reference.md"
# Fields the loader fills from -c env= and -c profile=.
SET_BY_LOADER = {"env_name", "profile"}
MISSING = object()


def field_comments() -> dict[tuple[str, str], str]:
    """(class name, field name) -> the comment lines written directly above the field."""
    source = (ROOT / "config" / "schema.py").read_text()
    lines = source.splitlines()
    comments = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                # Fields written under one comment share it ("account" and "region"): walk up
                # over such fields to the comment block, stopping at a blank line.
                index = statement.lineno - 2
                while index >= 0 and lines[index].strip() and not lines[index].strip().startswith("#"):
                    index -= 1
                above: list[str] = []
                while index >= 0 and lines[index].strip().startswith("#"):
                    above.insert(0, lines[index].strip().lstrip("#").strip())
                    index -= 1
                comments[(node.name, statement.target.id)] = " ".join(above)
    return comments


def type_name(tp: typing.Any) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value!r}`" for value in typing.get_args(tp))
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return f"list of {'groups' if dataclasses.is_dataclass(item) else type_name(item)}"
    return {str: "string", int: "whole number", float: "number", bool: "True/False"}.get(tp, getattr(tp, "__name__", str(tp)))


def path_of(prefix: tuple[str, ...], name: str) -> str:
    """The setting's dotted name; items of a list section as ``application_topics[].name``."""
    return ".".join((*prefix, name)).replace(".[]", "[]")


def lookup(data: typing.Mapping, path: tuple[str, ...]) -> typing.Any:
    for key in path:
        if not isinstance(data, typing.Mapping) or key not in data:
            return MISSING
        data = data[key]
    return data


def shown(value: typing.Any) -> str:
    if value is MISSING:
        return ""
    text = repr(list(value) if isinstance(value, tuple) else value)
    return f"`{text}`".replace("|", "\\|")


def cell(text: str) -> str:
    """``text`` in a table cell: "|" escaped, "<app>" not read as an HTML tag."""
    return text.replace("<", "&lt;").replace("|", "\\|")


def rows(cls: type, prefix: tuple[str, ...], comments: dict, environments: dict[str, typing.Mapping]) -> list[str]:
    hints = typing.get_type_hints(cls)
    limits = {name: split(tp)[1] for name, tp in typing.get_type_hints(cls, include_extras=True).items()}
    out = []
    for field in dataclasses.fields(cls):
        if not field.init or field.default is not dataclasses.MISSING or path_of(prefix, field.name) in SET_BY_LOADER:
            continue  # set by the loader from the command line, not in configuration files
        tp = hints[field.name]
        path = (*prefix, field.name)
        name = path_of(prefix, field.name)
        if dataclasses.is_dataclass(tp):
            continue  # a section: its own table
        default = lookup(DEFAULTS, path)
        per_env = [shown(lookup(settings, path)) for settings in environments.values()]
        branch = shown(lookup(BRANCH_OVERRIDES, path))
        description = cell(comments.get((cls.__name__, field.name), ""))
        limit = "; ".join(limit.describe().replace("|", "\\|") for limit in limits[field.name])
        out.append(f"| `{name}` | {type_name(tp)} | {limit} | {shown(default)} | {' | '.join(per_env)} | {branch} | {description} |")
    return out


def render() -> str:
    comments = field_comments()
    profile = PROFILES[DEFAULT_PROFILE]
    environments = {name: import_settings(module).SETTINGS for name, module in profile.environments.items()}
    header = (f"| setting | type | limits | default | {' | '.join(environments)} | branch environments | what it is |\n"
              f"|---|---|---|---|{'---|' * len(environments)}---|---|")
    sections: list[tuple[str, type, tuple[str, ...]]] = [("Top level", schema.EnvironmentConfig, ())]
    hints = typing.get_type_hints(schema.EnvironmentConfig)
    for field in dataclasses.fields(schema.EnvironmentConfig):
        tp = hints[field.name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            sections.append((f"`{field.name}`", tp, (field.name,)))
        elif typing.get_origin(tp) is tuple and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            sections.append((f"`{field.name}[]` (each item)", typing.get_args(tp)[0], (field.name, "[]")))
    parts = [
        "# Configuration reference",
        "",
        "Generated by `make docs` (`scripts/config_reference.py`) from `config/schema.py` (types and",
        "the comments above each field), `config/defaults.py` (defaults, branch-environment",
        f"overrides) and the `{DEFAULT_PROFILE}` profile's files ({', '.join(f'`config/{e}.py`' for e in environments)}).",
        "Do not edit by hand: a test fails when this page and the schema disagree.",
        "How configuration works, and what is checked: [configuration.md](configuration.md).",
        "",
        "*Limits* are what one value may hold, declared next to its field; a value outside them stops",
        "synthesis with a message naming the setting, the problem and the fix. What needs more than one",
        "setting is a rule: [Rules across settings](#rules-across-settings).",
    ]
    for title, cls, prefix in sections:
        parts += ["", f"## {title}", "", header, *rows(cls, prefix, comments, environments)]
    parts += [
        "",
        "## Rules across settings",
        "",
        "Checked in this order on every environment of the profile (`branch.*`: on the `-c branch=` value first;",
        "`network.cidrs-do-not-overlap`: across the environments, last). Each problem a rule reports carries",
        "its id; `tests/test_rules.py` holds a configuration that breaks each one.",
        "",
        "| rule | what it holds |",
        "|---|---|",
        *(f"| `{r.id}` | {cell(r.description)} |" for r in RULES),
    ]
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed page is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != text:
            sys.exit(f"{PAGE.relative_to(ROOT)} is stale: run `make docs` and commit it")
        return
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
