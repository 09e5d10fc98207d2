"""The documentation stays true to the code: the generated configuration reference is current,
and every relative link in the README and docs/ points at a file (and heading) that exists."""

from __future__ import annotations

import re
from pathlib import Path

from scripts import config_reference
from tests.conftest import ROOT

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_configuration_reference_is_generated_from_the_current_schema():
    assert config_reference.PAGE.read_text() == config_reference.render(), "stale: run `make docs` and commit docs/"


def test_the_reference_names_every_setting_of_the_schema():
    text = config_reference.PAGE.read_text()
    for setting in ("`network.egress`", "`database.multi_az`", "`observability.critical_emails`", "`application_topics[].emails`"):
        assert setting in text


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_anchor(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


def test_every_relative_link_resolves():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_the_readme_stays_a_front_door():
    """What a newcomer needs first fits in 10 KB; the rest belongs in docs/."""
    assert len((ROOT / "README.md").read_bytes()) <= 10 * 1024
