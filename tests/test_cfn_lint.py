"""cfn-lint over every synthesized template: no errors, no warnings.

Rules ignored project-wide are listed, with their reasons, in .cfnlintrc.yaml.
"""

from __future__ import annotations

import pytest

# Reads every variant: the prefetch worker synthesizes meanwhile (tests/background.py).
pytestmark = pytest.mark.every_variant


def test_templates_are_cfn_lint_clean(synthesized, template_scans):
    # Every stack of every variant, each distinct template once (tests/template_scans.py).
    assert len(template_scans.templates) >= len(synthesized["dev"].templates) * 3
    ok, report = template_scans.cfn_lint()
    assert ok, report
    assert report.strip() == ""
