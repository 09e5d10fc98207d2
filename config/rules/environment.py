"""Top-level settings: production's own rules. (Names, account, region, tags and log retention
are single-field limits in ``config/schema.py``.)
"""

from __future__ import annotations

from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig


@rule("environment.production-multi-az-database", "a production environment runs a Multi-AZ database")
def production_multi_az_database(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and not cfg.database.multi_az:
        problems.add("database.multi_az", cfg.database.multi_az, "a production environment needs a Multi-AZ database",
                     "set database.multi_az to True")


@rule("environment.production-keeps-data", "a production environment does not destroy its data when a stack is deleted")
def production_keeps_data(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.removal == "destroy":
        problems.add("removal", cfg.removal, "a production environment must not destroy its data when a stack is deleted",
                     "set removal to 'snapshot' or 'retain'")


@rule("environment.no-branches-from-production", "branch environments derive from non-production environments only")
def no_branches_from_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.allow_branches:
        problems.add("allow_branches", cfg.allow_branches, "branch environments derive from non-production environments only",
                     "set allow_branches to False and branch from dev")
