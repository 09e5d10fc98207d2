"""The price table: AWS list prices per region, versioned, each with its unit and source.

The prices live in ``cost/prices.json`` (a data file, so ``scripts/refresh_prices.py`` can
rewrite it from the AWS Price List API and a review reads the diff). Its ``version`` and
``as_of`` say when it was written; every price names the AWS pricing page it comes from, and a
price that is an approximation says so in its ``note``. ``global`` holds what AWS prices the
same everywhere (CloudFront's North America and Europe rates, Budgets); a region's own price
comes first. Free tiers are pools of their own (``free_tier``), shown as separate lines.

No AWS call, no CDK import: the estimator reads templates and this table only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

PATH = Path(__file__).resolve().parent / "prices.json"
GLOBAL = "global"


@dataclass(frozen=True)
class Price:
    """One list price: ``usd`` per ``unit`` ("hour", "GB-month", "1M requests"), from ``source``
    (an AWS pricing page); ``note`` says when it is an approximation or wants checking."""

    usd: float
    unit: str
    source: str
    note: str = ""

    @property
    def approximate(self) -> bool:
        return bool(self.note) and ("approximate" in self.note or "less certainty" in self.note)


@dataclass(frozen=True)
class FreeTier:
    """An allowance the account gets every month: ``quantity`` of ``unit`` (the priced lines' unit)."""

    quantity: float
    unit: str
    what: str
    source: str


@dataclass(frozen=True)
class PriceTable:
    version: str
    as_of: str
    about: str
    # Region ("us-east-1", "global") -> price key ("ec2.t4g.nano.hour") -> price.
    regions: Mapping[str, Mapping[str, Price]]
    free_tier: Mapping[str, FreeTier]

    def price(self, region: str, key: str) -> Price | None:
        """The region's price of ``key``, else the global one, else None (not in the table)."""
        for name in (region, GLOBAL):
            found = self.regions.get(name, {}).get(key)
            if found is not None:
                return found
        return None

    def keys(self) -> set[str]:
        return {key for prices in self.regions.values() for key in prices}


def parse(document: Mapping) -> PriceTable:
    regions = {
        region: MappingProxyType({key: Price(**fields) for key, fields in prices.items()})
        for region, prices in document["regions"].items()
    }
    free = {pool: FreeTier(**fields) for pool, fields in document["free_tier"].items()}
    return PriceTable(document["version"], document["as_of"], document["about"], MappingProxyType(regions), MappingProxyType(free))


def load(path: Path = PATH) -> PriceTable:
    return parse(json.loads(path.read_text()))


TABLE = load()
