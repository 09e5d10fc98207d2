"""Estimates as plain text (the terminal), Markdown (the review report) and JSON (the report's
cost delta, and the reviewed snapshots in tests/__snapshots__/test_cost/)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from cost.estimate import Estimate, Line
from cost.prices import TABLE, PriceTable


def usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def unit_price(value: float) -> str:
    """At least cents, and as many decimals as the price has (up to 7): $0.0042, $0.50, $16.00."""
    text = f"{value:,.7f}".rstrip("0")
    decimals = len(text.partition(".")[2])
    return f"${value:,.{max(2, decimals)}f}"


def quantity(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def free_resources(estimate: Estimate) -> list[dict[str, Any]]:
    """Resources (and parts) that cost nothing, grouped by type and reason, with their count."""
    counts = Counter((note.resource_type, note.reason) for note in estimate.notes if note.kind == "free")
    return [{"type": kind, "count": count, "reason": reason} for (kind, reason), count in sorted(counts.items())]


def _line(line: Line) -> dict[str, Any]:
    out = {
        "tier": line.tier, "stack": line.stack, "type": line.resource_type, "logical_id": line.logical_id, "item": line.item,
        "driver": line.driver, "quantity": round(line.quantity, 4), "unit": line.unit, "unit_usd": line.unit_usd,
        "monthly_usd": round(line.monthly_usd, 2), "price_key": line.price_key,
    }
    if line.note:
        out["note"] = line.note
    if line.free_pool:
        out["free_tier"] = line.free_pool
    return out


def as_dict(estimate: Estimate) -> dict[str, Any]:
    """One environment's estimate, amounts rounded to cents."""
    return {
        "environment": estimate.environment,
        "profile": estimate.profile,
        "region": estimate.region,
        "price_table": estimate.table_version,
        "total_usd": round(estimate.total_usd, 2),
        "before_free_tier_usd": round(estimate.gross_usd, 2),
        "free_tier_usd": round(estimate.free_tier_usd, 2),
        "subtotals": {tier: {"stack": estimate.stacks.get(tier, ""), "usd": round(value, 2)} for tier, value in estimate.subtotals().items()},
        "lines": [_line(line) for line in estimate.lines],
        "free_tier": [{"pool": f.pool, "what": f.what, "quantity": round(f.quantity, 4), "unit": f.unit,
                       "monthly_usd": round(f.monthly_usd, 2), "source": f.source} for f in estimate.free_tier],
        "not_priced": [{"tier": n.tier, "type": n.resource_type, "logical_id": n.logical_id, "reason": n.reason} for n in estimate.unpriced()],
        "included": [{"tier": n.tier, "type": n.resource_type, "logical_id": n.logical_id, "reason": n.reason}
                     for n in estimate.notes if n.kind == "included"],
        "free_resources": free_resources(estimate),
        "assumptions": list(estimate.assumptions),
        "budget": {"budget_usd": estimate.budget.budget_usd, "estimate_usd": round(estimate.budget.estimate_usd, 2),
                   "status": estimate.budget.status, "message": estimate.budget.message},
    }


def to_json(estimates: Sequence[Estimate], table: PriceTable = TABLE) -> str:
    document = {
        "price_table": {"version": table.version, "as_of": table.as_of, "about": table.about},
        "environments": [as_dict(e) for e in estimates],
    }
    return json.dumps(document, indent=2) + "\n"


def to_text(estimates: Sequence[Estimate], table: PriceTable = TABLE) -> str:
    out = [f"Monthly cost estimate: AWS list prices from the price table {table.version} (as of {table.as_of}), USD. docs/cost.md", ""]
    for e in estimates:
        out.append(f"== {e.environment} (profile {e.profile}, {e.region}): {usd(e.total_usd)} a month "
                   f"({usd(e.gross_usd)} before free tiers of {usd(e.free_tier_usd)})")
        subtotals = e.subtotals()
        for tier, stack in e.stacks.items():
            out.append(f"-- {tier} ({stack}): {usd(subtotals.get(tier, 0.0))}")
            for line in (line for line in e.lines if line.tier == tier):
                out.append(f"  {usd(line.monthly_usd):>10}  {line.item}  [{line.resource_type} {line.logical_id}]")
                note = f"  ({line.note})" if line.note else ""
                out.append(f"  {'':>10}  {quantity(line.quantity)} {line.unit} × {unit_price(line.unit_usd)}: {line.driver}{note}")
        out.append("-- free tier (separate lines; per account)")
        for f in e.free_tier:
            out.append(f"  {usd(f.monthly_usd):>10}  {f.what} ({quantity(f.quantity)} {f.unit} used)")
        out.append(f"-- total: {usd(e.total_usd)}")
        unpriced = e.unpriced()
        if unpriced:
            out.append("-- not priced (costs the estimate leaves out)")
            out += [f"  {n.tier} {n.resource_type} {n.logical_id}: {n.reason}" for n in unpriced]
        included = [n for n in e.notes if n.kind == "included"]
        if included:
            out.append("-- included at no charge")
            out += [f"  {n.tier} {n.resource_type} {n.logical_id}: {n.reason}" for n in included]
        out.append("-- free by themselves: " + "; ".join(f"{r['count']} {r['type']}" for r in free_resources(e)))
        out.append("-- assumptions")
        out += [f"  - {a}" for a in e.assumptions]
        out.append(f"-- budget: {e.budget.message}")
        out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def to_markdown(estimates: Sequence[Estimate], table: PriceTable = TABLE) -> str:
    out = ["# Monthly cost estimate", "",
           f"AWS list prices from the price table {table.version} (as of {table.as_of}), USD a month. How it is computed: docs/cost.md.", "",
           "| environment | total | before free tiers | budget |", "|---|---:|---:|---|"]
    for e in estimates:
        out.append(f"| {e.environment} | {usd(e.total_usd)} | {usd(e.gross_usd)} | {_cell(e.budget.message)} |")
    for e in estimates:
        subtotals = e.subtotals()
        out += ["", f"## {e.environment}", "", "| tier | stack | subtotal |", "|---|---|---:|"]
        out += [f"| {tier} | {stack} | {usd(subtotals.get(tier, 0.0))} |" for tier, stack in e.stacks.items()]
        out += [f"| **total** | after {usd(e.free_tier_usd)} of free tiers | **{usd(e.total_usd)}** |", "",
                "| tier | type | logical ID | item | driver | quantity | unit price | monthly |", "|---|---|---|---|---|---:|---:|---:|"]
        for line in e.lines:
            note = f" ({line.note})" if line.note else ""
            out.append(f"| {line.tier} | {line.resource_type} | {line.logical_id} | {_cell(line.item)} | {_cell(line.driver + note)} | "
                       f"{quantity(line.quantity)} {line.unit} | {unit_price(line.unit_usd)} | {usd(line.monthly_usd)} |")
        out += ["", "Free tier (per account):", ""]
        out += [f"- {usd(f.monthly_usd)}: {_cell(f.what)} ({quantity(f.quantity)} {f.unit} used)" for f in e.free_tier]
        unpriced = e.unpriced()
        if unpriced:
            out += ["", "Not priced:", ""]
            out += [f"- {n.tier} `{n.resource_type}` {n.logical_id}: {_cell(n.reason)}" for n in unpriced]
        included = [n for n in e.notes if n.kind == "included"]
        if included:
            out += ["", "Included at no charge:", ""]
            out += [f"- {n.tier} `{n.resource_type}` {n.logical_id}: {_cell(n.reason)}" for n in included]
        out += ["", "Free by themselves: " + "; ".join(f"{r['count']} `{r['type']}`" for r in free_resources(e)) + ".", "", "Assumptions:", ""]
        out += [f"- {_cell(a)}" for a in e.assumptions]
    return "\n".join(out) + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "json": to_json}
