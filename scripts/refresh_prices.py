"""Refresh the price table (cost/prices.json) from the AWS Price List API.

Needs boto3 and AWS credentials allowed `pricing:GetProducts`; never runs in tests. Refreshes
the hourly prices of instance types (EC2, RDS for PostgreSQL Single-AZ, ElastiCache for Redis
OSS) in every region of the table, the bulk of its keys; every other price is left as it is
and listed at the end, to check by hand on the page its `source` names. A changed price is
written with today's date as the table's `version` and `as_of`; review the diff and commit.

    python scripts/refresh_prices.py            # update cost/prices.json
    python scripts/refresh_prices.py --dry-run  # only show what would change
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cost.prices import GLOBAL, PATH  # noqa: E402

# The Price List API answers in these regions only; us-east-1 serves every region's prices.
PRICING_REGION = "us-east-1"


def query(key: str, region: str) -> tuple[str, dict[str, str]] | None:
    """The Price List service code and attribute filters of ``key`` in ``region``, or None
    when this script does not refresh that key."""
    parts = key.split(".")
    if key.startswith("ec2.") and key.endswith(".hour"):
        return "AmazonEC2", {"regionCode": region, "instanceType": ".".join(parts[1:-1]), "operatingSystem": "Linux",
                             "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"}
    if key.startswith("rds.postgres.") and key.endswith(".hour"):
        return "AmazonRDS", {"regionCode": region, "instanceType": ".".join(parts[2:-1]), "databaseEngine": "PostgreSQL",
                             "deploymentOption": "Single-AZ"}
    if key.startswith("elasticache.") and key.endswith(".hour"):
        return "AmazonElastiCache", {"regionCode": region, "instanceType": ".".join(parts[1:-1]), "cacheEngine": "Redis"}
    return None


def on_demand_usd(product: dict[str, Any], unit: str = "Hrs") -> float | None:
    """The on-demand USD price per ``unit`` of one Price List product document (None if it has none)."""
    for offer in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in offer.get("priceDimensions", {}).values():
            if dimension.get("unit") == unit:
                usd = float(dimension.get("pricePerUnit", {}).get("USD", "0"))
                if usd > 0:
                    return usd
    return None


def products(client: Any, service: str, filters: dict[str, str]) -> Iterator[dict[str, Any]]:
    kwargs = {"ServiceCode": service, "Filters": [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in filters.items()]}
    for page in client.get_paginator("get_products").paginate(**kwargs):
        for item in page["PriceList"]:
            yield json.loads(item) if isinstance(item, str) else item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    args = parser.parse_args()
    try:
        import boto3
    except ImportError:
        sys.exit("boto3 is not installed here: pip install boto3 (in a virtualenv of its own), with AWS credentials")
    client = boto3.client("pricing", region_name=PRICING_REGION)
    document = json.loads(PATH.read_text())
    changed, manual = [], []
    for region, prices in document["regions"].items():
        for key, price in prices.items():
            found = query(key, region) if region != GLOBAL else None
            if found is None:
                manual.append(f"{region} {key}")
                continue
            quotes = {usd for usd in (on_demand_usd(p) for p in products(client, *found)) if usd is not None}
            if len(quotes) != 1:
                print(f"  {region} {key}: {len(quotes)} prices found ({sorted(quotes)}), left as it is")
                continue
            (usd,) = quotes
            if usd != price["usd"]:
                changed.append(f"{region} {key}: {price['usd']} -> {usd}")
                price["usd"] = usd
                price.pop("note", None)
    print("\n".join(["changed:", *changed] if changed else ["no instance price changed"]))
    print(f"not refreshed by this script ({len(manual)}): check them on their source page:\n  " + "\n  ".join(manual))
    if changed and not args.dry_run:
        today = datetime.date.today().isoformat()
        document["version"] = document["as_of"] = today
        PATH.write_text(json.dumps(document, indent=1) + "\n")
        print(f"wrote {PATH.relative_to(ROOT)} (version {today})")


if __name__ == "__main__":
    main()
