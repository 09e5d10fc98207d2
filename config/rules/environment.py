"""Top-level settings: names, account, region, tags, log retention, production's own rules.
"""

from __future__ import annotations

import re

from config.defaults import LOG_RETENTION_DAYS
from config.derived import TAG_VALUE_RE
from config.parser import Problems
from config.schema import EnvironmentConfig

# CloudFormation stack names: letters, digits, hyphens, starting with a letter, <= 128.
STACK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
APP_NAME_RE = re.compile(r"^[a-z][a-z0-9]{1,19}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
# Longest tier name a stack gets ("observability"), so every stack name stays valid.
LONGEST_TIER = "observability"


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    db = cfg.database

    if not APP_NAME_RE.match(cfg.app_name):
        add("app_name", cfg.app_name, "must be 2-20 lowercase letters or digits, starting with a letter",
            "choose a short name such as 'webapp'")
    if not re.fullmatch(r"\d{12}", cfg.account):
        add("account", cfg.account, "must be a 12-digit AWS account ID", "use the target account's 12 digits, e.g. -c account=123456789012")
    if not REGION_RE.match(cfg.region):
        add("region", cfg.region, "is not an AWS region name", "use a region such as 'us-east-1'")
    for name in ("owner", "cost_center"):
        value = getattr(cfg, name)
        if not TAG_VALUE_RE.match(value):
            add(name, value, "becomes a tag on every resource, and tag values are at most 256 letters, digits, "
                "spaces and _ . : / = + - @", "write it without other characters, e.g. 'R and D' instead of 'R&D'")
    if cfg.log_retention_days not in LOG_RETENTION_DAYS:
        add("log_retention_days", cfg.log_retention_days, "is not a CloudWatch Logs retention value",
            f"use one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ...")

    # Production rules.
    if cfg.production:
        if not db.multi_az:
            add("database.multi_az", db.multi_az, "a production environment needs a Multi-AZ database",
                "set database.multi_az to True")
        if cfg.removal == "destroy":
            add("removal", cfg.removal, "a production environment must not destroy its data when a stack is deleted",
                "set removal to 'snapshot' or 'retain'")
        if cfg.allow_branches:
            add("allow_branches", cfg.allow_branches, "branch environments derive from non-production environments only",
                "set allow_branches to False and branch from dev")


def check_names(cfg: EnvironmentConfig, problems: Problems) -> None:
    """Run last: the stack names the other settings lead to."""
    add = problems.add
    name = cfg.stack_name(LONGEST_TIER)
    if problems.ok("app_name") and not STACK_NAME_RE.match(name):
        add("app_name", cfg.app_name, f"gives the invalid stack name '{name}'", "use a shorter app name")
