"""`domain`: the name, its hosted zone, and that one is inside the other.
"""

from __future__ import annotations

import re

from config.parser import Problems
from config.schema import EnvironmentConfig


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    dom = cfg.domain
    if dom.name:
        if not (dom.hosted_zone_id and dom.hosted_zone_name):
            add("domain.hosted_zone_id", dom.hosted_zone_id, f"domain.name is '{dom.name}' but the hosted zone is not set",
                "set domain.hosted_zone_id and domain.hosted_zone_name of the Route 53 zone that holds it")
        elif not (dom.name == dom.hosted_zone_name or dom.name.endswith("." + dom.hosted_zone_name)):
            add("domain.name", dom.name, f"is not inside the hosted zone '{dom.hosted_zone_name}'",
                "use a name in that zone or the zone that holds it")
        if not re.fullmatch(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", dom.name):
            add("domain.name", dom.name, "is not a lowercase DNS name", "write it like 'app.example.com'")
        if dom.hosted_zone_id and not re.fullmatch(r"Z[0-9A-Z]{4,32}", dom.hosted_zone_id):
            add("domain.hosted_zone_id", dom.hosted_zone_id, "is not a Route 53 hosted zone ID", "use the 'Z...' ID")
    elif dom.hosted_zone_id or dom.hosted_zone_name:
        add("domain.name", "", "a hosted zone is set but no domain name", "set domain.name or clear the hosted zone")
