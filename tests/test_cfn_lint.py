"""cfn-lint over every synthesized template: no errors, no warnings.

Rules ignored project-wide are listed, with their reasons, in .cfnlintrc.yaml.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_templates_are_cfn_lint_clean(synthesized):
    paths = sorted({str(f) for s in synthesized.values() for f in s.template_files.values()})
    assert len(paths) == sum(len(s.template_files) for s in synthesized.values())
    # A template byte-identical to one already linted (a tier a variant leaves alone) adds nothing.
    by_content = {hashlib.sha256(Path(p).read_bytes()).hexdigest(): p for p in paths}
    files = sorted(by_content.values())
    # cfn-lint uses one core: one process per core, each over its share of the templates.
    workers = max(1, min(os.cpu_count() or 1, 4))
    command = [str(Path(sys.executable).parent / "cfn-lint"), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--format", "parseable", "--"]
    runs = [subprocess.Popen([*command, *files[i::workers]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
            for i in range(workers)]
    outputs = [run.communicate() for run in runs]
    results = [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs, strict=True)]
    report = "".join(out + err for _, out, err in results)
    assert all(code == 0 for code, _, _ in results), report
    assert report.strip() == ""
