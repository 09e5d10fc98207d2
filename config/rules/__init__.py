"""The rules a configuration must meet beyond its types, one module per section.

``validate`` runs them in a fixed order (so messages come in the same order every time);
each module's ``check`` reports through ``Problems`` and may consult ``problems.ok(...)`` to
stay quiet about values derived from a setting already reported.
"""

from __future__ import annotations

from config.parser import Problems
from config.rules import (
    auth,
    cache,
    compute,
    data,
    domain,
    edge,
    environment,
    network,
    observability,
)
from config.schema import EnvironmentConfig

# Section checks in the order their messages appear; names last (they derive from the rest).
CHECKS = (
    environment.check,
    network.check,
    compute.check,
    data.check,
    cache.check,
    auth.check,
    edge.check,
    observability.check,
    domain.check,
    environment.check_names,
)


def validate(cfg: EnvironmentConfig, problems: Problems) -> None:
    for check in CHECKS:
        check(cfg, problems)
