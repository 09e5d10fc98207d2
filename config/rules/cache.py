"""`cache`: a replica in production. (The node type, engine version and snapshot days are
limits in ``config/schema.py``.)
"""

from __future__ import annotations

from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig


@rule("cache.multi-az-in-production", "a production cache has a replica in a second AZ", risk=True)
def multi_az_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.cache.enabled and cfg.production and not cfg.cache.multi_az:
        problems.add("cache.multi_az", False, "a production cache needs a replica in a second AZ", "set cache.multi_az to True")
