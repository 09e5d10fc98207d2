"""Top-level settings: production's own rules. (Names, account, region, tags and log retention
are single-field limits in ``config/schema.py``.)
"""

from __future__ import annotations

from config.parser import Problems
from config.rules.registry import REGISTERED, rule
from config.schema import EnvironmentConfig


@rule("environment.production-multi-az-database", "a production environment runs a Multi-AZ database", risk=True)
def production_multi_az_database(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and not cfg.database.multi_az:
        problems.add("database.multi_az", cfg.database.multi_az, "a production environment needs a Multi-AZ database",
                     "set database.multi_az to True")


@rule("environment.production-keeps-data", "a production environment does not destroy its data when a stack is deleted")
def production_keeps_data(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.removal == "destroy":
        problems.add("removal", cfg.removal, "a production environment must not destroy its data when a stack is deleted",
                     "set removal to 'snapshot' or 'retain'")


@rule("environment.accepted-risks-are-guardrails", "an accepted risk names a production guardrail that may be accepted, once")
def accepted_risks_are_guardrails(cfg: EnvironmentConfig, problems: Problems) -> None:
    # Every section's rules are registered by the time any rule runs.
    acceptable = sorted(r.id for r in REGISTERED.values() if r.risk)
    seen: set[str] = set()
    for accepted in cfg.accepted_risks:
        if accepted.risk not in acceptable:
            problems.add("accepted_risks", accepted.risk, "is not a risk an environment may accept (only these production guardrails: "
                         + ", ".join(acceptable) + ")", "remove it, or meet the rule instead of accepting it")
        elif accepted.risk in seen:
            problems.add("accepted_risks", accepted.risk, "is accepted twice", "keep one entry with its reason")
        elif not cfg.production:
            problems.add("accepted_risks", accepted.risk, "is a production guardrail, and this environment is not production",
                         "remove it (the rule does not apply here)")
        seen.add(accepted.risk)


@rule("environment.no-branches-from-production", "branch environments derive from non-production environments only")
def no_branches_from_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.allow_branches:
        problems.add("allow_branches", cfg.allow_branches, "branch environments derive from non-production environments only",
                     "set allow_branches to False and branch from dev")
