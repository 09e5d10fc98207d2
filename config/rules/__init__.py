"""The rules a configuration must meet beyond its types and its fields' own limits.

One module per section; in each, every rule is a small function registered with
``@rule(id, description)`` (``registry.py``). ``RULES`` lists them all in the order they run
(so messages come in the same order every time): section by section in ``SECTIONS``' order,
top to bottom within a module, names last (they derive from the rest). ``validate`` runs the
environment rules; ``config/loader.py`` runs the branch and profile rules. A rule may consult
``problems.ok(...)`` to stay quiet about values derived from a setting already reported.

The single-field limits (ranges, patterns, AWS's accepted values) are declared in
``config/schema.py`` and enforced by the parser; ``checks()`` enumerates both.
"""

from __future__ import annotations

from config.limits import field_limits, limit_id
from config.parser import PARSER_CHECKS, Problems
from config.rules import (
    app,
    auth,
    cache,
    compute,
    data,
    delivery,
    domain,
    edge,
    environment,
    names,
    network,
    observability,
    profile,
)
from config.rules.registry import REGISTERED, ProfileContext, Rule, rule
from config.schema import EnvironmentConfig

__all__ = ["BRANCH_CHECKS", "CHECKS", "PROFILE_CHECKS", "RULES", "ProfileContext", "Rule", "checks", "rule", "validate"]

# Sections in the order their messages appear; names last (they derive from the rest).
SECTIONS = (environment, network, compute, app, data, cache, auth, edge, observability, domain, delivery, names, profile)
_ORDER = {module.__name__: index for index, module in enumerate(SECTIONS)}
_stray = [r.id for r in REGISTERED.values() if r.module not in _ORDER]
if _stray:
    raise ImportError(f"rules registered outside config.rules.SECTIONS: {_stray}")

RULES: tuple[Rule, ...] = tuple(sorted(REGISTERED.values(), key=lambda r: _ORDER[r.module]))
CHECKS: tuple[Rule, ...] = tuple(r for r in RULES if r.scope == "environment")
BRANCH_CHECKS: tuple[Rule, ...] = tuple(r for r in RULES if r.scope == "branch")
PROFILE_CHECKS: tuple[Rule, ...] = tuple(r for r in RULES if r.scope == "profile")


def validate(cfg: EnvironmentConfig, problems: Problems) -> None:
    """Run every environment rule on ``cfg``, in order. A guardrail the environment accepts as
    a risk (``accepted_risks``) reports nothing when the configuration takes the risk, and
    reports the acceptance itself when it does not (a stale acceptance hides the next one)."""
    accepted = {a.risk for a in cfg.accepted_risks}
    for check in CHECKS:
        if not (check.risk and check.id in accepted):
            check(cfg, problems)
            continue
        before, bad = len(problems.items), set(problems.bad)
        check(cfg, problems)
        taken = len(problems.items) > before
        del problems.items[before:]
        problems.bad = bad
        if not taken and cfg.production:
            problems.add("accepted_risks", check.id, "is accepted, but this configuration meets the rule",
                         "remove it from accepted_risks", rule="environment.accepted-risks-are-guardrails")


def checks() -> dict[str, str]:
    """Every check a configuration goes through, by the id its reports carry -> what it holds:
    the parser's own, every field limit declared in the schema, every registered rule."""
    found = dict(PARSER_CHECKS)
    for path, limit in field_limits(EnvironmentConfig):
        found[limit_id(path, limit)] = f"{path}: {limit.describe()}"
    found.update((r.id, r.description) for r in RULES)
    return found
