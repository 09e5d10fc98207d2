"""cfn-lint and checkov over every distinct written template, started together.

Both are processes of their own: started at once (cfn-lint on one core per worker,
checkov beside it) they overlap each other and the in-process cdk-nag re-run, instead of
running one after another. A template byte-identical to one already scanned (a tier a
variant leaves alone) is scanned once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def distinct_templates(files: Iterable[tuple[str, Path]], folder: Path) -> list[Path]:
    """Copies each distinct template (name, path) into ``folder``; returns the copies, sorted."""
    seen: set[str] = set()
    copies = []
    for name, path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            copy = folder / f"{name}.template.json"
            shutil.copyfile(path, copy)
            copies.append(copy)
    return sorted(copies)


class TemplateScans:
    def __init__(self, templates: list[Path], folder: Path) -> None:
        assert CHECKOV.exists(), "checkov is missing: `make test` installs it into .venv-scan (requirements-scan.txt)"
        self.templates, self.folder = templates, folder
        # cfn-lint uses one core: one process per core, each over its share of the templates.
        workers = max(1, min(os.cpu_count() or 1, 4))
        lint = [str(CFN_LINT), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--format", "parseable", "--"]
        self._lint = [subprocess.Popen([*lint, *map(str, templates[i::workers])], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, cwd=ROOT) for i in range(workers)]
        self._checkov = subprocess.Popen(
            [str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--compact", "--skip-download",
             "--output", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def cfn_lint(self) -> list[tuple[int, str]]:
        """(exit code, output) of each cfn-lint process."""
        return [(run.returncode, out + err) for run in self._lint for out, err in [run.communicate(timeout=600)]]

    def checkov(self) -> tuple[int, str, str]:
        out, err = self._checkov.communicate(timeout=600)
        return self._checkov.returncode, out, err
