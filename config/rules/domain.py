"""`domain`: the name and its hosted zone come together, and one is inside the other. (The
name's and the zone ID's forms are limits in ``config/schema.py``.)
"""

from __future__ import annotations

from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig


@rule("domain.name-has-its-hosted-zone", "a domain name comes with the hosted zone that holds it")
def name_has_its_hosted_zone(cfg: EnvironmentConfig, problems: Problems) -> None:
    dom = cfg.domain
    if dom.name and not (dom.hosted_zone_id and dom.hosted_zone_name):
        problems.add("domain.hosted_zone_id", dom.hosted_zone_id, f"domain.name is '{dom.name}' but the hosted zone is not set",
                     "set domain.hosted_zone_id and domain.hosted_zone_name of the Route 53 zone that holds it")


@rule("domain.name-inside-the-zone", "the domain name is inside its hosted zone")
def name_inside_the_zone(cfg: EnvironmentConfig, problems: Problems) -> None:
    dom = cfg.domain
    if (dom.name and dom.hosted_zone_id and dom.hosted_zone_name and problems.ok("domain.name")
            and not (dom.name == dom.hosted_zone_name or dom.name.endswith("." + dom.hosted_zone_name))):
        problems.add("domain.name", dom.name, f"is not inside the hosted zone '{dom.hosted_zone_name}'",
                     "use a name in that zone or the zone that holds it")


@rule("domain.hosted-zone-has-a-name", "a hosted zone is set only with a domain name")
def hosted_zone_has_a_name(cfg: EnvironmentConfig, problems: Problems) -> None:
    dom = cfg.domain
    if not dom.name and (dom.hosted_zone_id or dom.hosted_zone_name):
        problems.add("domain.name", "", "a hosted zone is set but no domain name", "set domain.name or clear the hosted zone")
