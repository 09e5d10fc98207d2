"""Run last: the stack names the other settings lead to.
"""

from __future__ import annotations

import re

from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig

# CloudFormation stack names: letters, digits, hyphens, starting with a letter, <= 128.
STACK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
# Longest tier name a stack gets ("observability"), so every stack name stays valid.
LONGEST_TIER = "observability"


@rule("environment.valid-stack-names", "the app name, environment and branch give valid CloudFormation stack names")
def valid_stack_names(cfg: EnvironmentConfig, problems: Problems) -> None:
    name = cfg.stack_name(LONGEST_TIER)
    if problems.ok("app_name") and not STACK_NAME_RE.match(name):
        problems.add("app_name", cfg.app_name, f"gives the invalid stack name '{name}'", "use a shorter app name")
