"""The registry of rules: every check beyond a single field's limits, by a stable id.

    @rule("database.backup-retention-in-production", "production keeps at least 7 days of backups")
    def backup_retention_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
        ...

A rule is one small function with one concern. Its id (``<section>.<what-it-holds>``) names
it in every problem it reports (``Problem.rule``), in the configuration reference and in
``tests/test_rules.py``, which holds a configuration that breaks it and fails when a
registered rule has no such entry. ``config/rules/__init__.py`` runs the rules in a fixed order.

Scopes:
  environment  ``check(cfg, problems)`` on each parsed environment; reports with
               ``problems.add`` and stays quiet about settings already reported
               (``problems.ok(...)``), e.g. by a field limit.
  branch       ``check(context)`` yields messages about the ``-c branch=`` value, before
               any environment is built.
  profile      ``check(context)`` yields messages across the profile's environments, after
               they are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from config.errors import Problem

if TYPE_CHECKING:
    from config.parser import Problems
    from config.profiles import Profile
    from config.schema import EnvironmentConfig

Scope = Literal["environment", "branch", "profile"]


@dataclass(frozen=True)
class ProfileContext:
    """What branch and profile rules look at."""

    profile: Profile
    # The -c branch= value ("" without one) and the environment a branch environment derives from.
    branch: str
    parent: str
    # An environment's settings as merged (defaults, profile, its file) before parsing.
    raw: Callable[[str], Mapping]
    # The environments that parsed and passed their own rules (empty for branch rules).
    built: Mapping[str, EnvironmentConfig] = field(default_factory=dict)
    # Whether the delivery stacks are being built (-c delivery=true), not the environments.
    delivery: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    check: Callable[..., Any]
    scope: Scope = "environment"
    # A production guardrail an environment may take as a named risk (``accepted_risks``).
    risk: bool = False

    @property
    def module(self) -> str:
        return self.check.__module__

    def __call__(self, cfg: EnvironmentConfig, problems: Problems) -> None:
        """Run an environment rule; what it reports carries its id."""
        previous, problems.rule, problems.acceptable = problems.rule, self.id, self.risk
        try:
            self.check(cfg, problems)
        finally:
            problems.rule, problems.acceptable = previous, False

    def messages(self, context: ProfileContext) -> list[Problem]:
        """Run a branch or profile rule."""
        found: Iterable[str] = self.check(context)
        return [Problem(message, rule=self.id) for message in found]


# Every rule, in the order registered (module by module, top to bottom).
REGISTERED: dict[str, Rule] = {}


def rule(rule_id: str, description: str, *, scope: Scope = "environment", risk: bool = False) -> Callable[[Callable[..., Any]], Rule]:
    """Register the decorated function as the rule ``rule_id``; ``risk``: an environment may
    accept what it refuses as a named risk with a reason (``accepted_risks``)."""

    def register(check: Callable[..., Any]) -> Rule:
        if rule_id in REGISTERED:
            raise ValueError(f"rule {rule_id!r} is registered twice ({REGISTERED[rule_id].module} and {check.__module__})")
        if risk and scope != "environment":
            raise ValueError(f"rule {rule_id!r}: only an environment rule can be accepted as a risk")
        REGISTERED[rule_id] = registered = Rule(rule_id, description, check, scope, risk)
        return registered

    return register
