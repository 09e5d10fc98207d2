"""`cache`: Redis node type, version, replica in production, snapshots.
"""

from __future__ import annotations

import re

from config.parser import Problems
from config.schema import EnvironmentConfig


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    cache = cfg.cache
    if not cache.enabled:
        return
    if not re.fullmatch(r"cache\.[a-z0-9]+\.[a-z0-9]+", cache.node_type):
        add("cache.node_type", cache.node_type, "is not an ElastiCache node type", "use e.g. 'cache.t4g.micro'")
    if not re.fullmatch(r"[67]\.\d+", cache.engine_version):
        add("cache.engine_version", cache.engine_version, "must be a Redis 6.x or 7.x version", "use e.g. '7.1'")
    if cfg.production and not cache.multi_az:
        add("cache.multi_az", False, "a production cache needs a replica in a second AZ", "set cache.multi_az to True")
    if not 0 <= cache.snapshot_retention_days <= 35:
        add("cache.snapshot_retention_days", cache.snapshot_retention_days, "ElastiCache keeps snapshots 0 to 35 days", "use e.g. 1")
