"""cfn-lint over every synthesized template: no errors, no warnings.

Rules ignored project-wide are listed, with their reasons, in .cfnlintrc.yaml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_templates_are_cfn_lint_clean(synthesized):
    files = sorted({str(f) for s in synthesized.values() for f in s.template_files.values()})
    assert len(files) == sum(len(s.template_files) for s in synthesized.values())
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--format", "parseable", "--", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""
