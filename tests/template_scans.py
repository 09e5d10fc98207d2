"""cfn-lint and checkov over every distinct written template, started together.

Both are processes of their own: started at once (cfn-lint on one core per worker,
checkov beside it) they overlap each other and the in-process cdk-nag re-run, instead of
running one after another. A template byte-identical to one already scanned (a tier a
variant leaves alone) is scanned once.

A clean result is remembered in build/scan-cache, keyed by the template's bytes and what
else the verdict depends on (the scanner's pinned version and its configuration), so a
template nobody changed is not scanned again on the next run; a template with findings
is always scanned. A fresh clone (CI) scans everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
CACHE = ROOT / "build" / "scan-cache"


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


def _key(tool: str, depends_on: bytes, template: Path) -> Path:
    return CACHE / tool / hashlib.sha256(depends_on + b"\0" + template.read_bytes()).hexdigest()


@dataclass
class CheckovResult:
    failed: list[str] = field(default_factory=list)
    # (check id, resource, the reason written in the template) of every skipped check.
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    resource_count: int = 0
    parsing_errors: int = 0


class TemplateScans:
    def __init__(self, templates: list[Path], folder: Path) -> None:
        assert CHECKOV.exists(), "checkov is missing: `make test` installs it into .venv-scan (requirements-scan.txt)"
        self.templates = templates
        lint_depends = f"cfn-lint {metadata.version('cfn-lint')}".encode() + (ROOT / ".cfnlintrc.yaml").read_bytes()
        # requirements-scan.txt pins checkov and every one of its dependencies.
        checkov_depends = b"checkov " + (ROOT / "requirements-scan.txt").read_bytes()
        self._lint_keys = {t: _key("cfn-lint", lint_depends, t) for t in templates}
        self._checkov_keys = {t: _key("checkov", checkov_depends, t) for t in templates}
        to_lint = [t for t in templates if not self._lint_keys[t].exists()]
        to_check = [t for t in templates if not self._checkov_keys[t].exists()]
        self.scanned = {"cfn-lint": len(to_lint), "checkov": len(to_check)}

        # cfn-lint uses one core: one process per core, each over its share of the templates.
        workers = min(os.cpu_count() or 1, 4, len(to_lint))  # none when every template is remembered
        lint = [str(CFN_LINT), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--format", "parseable", "--"]
        self._lint = [(to_lint[i::workers], subprocess.Popen([*lint, *map(str, to_lint[i::workers])], stdout=subprocess.PIPE,
                                                            stderr=subprocess.PIPE, text=True, cwd=ROOT))
                      for i in range(workers)]
        self._check_folder = folder / "checkov"
        self._check_folder.mkdir()
        for template in to_check:
            shutil.copyfile(template, self._check_folder / template.name)
        self._to_check = to_check
        self._checkov = subprocess.Popen(
            [str(CHECKOV), "-d", str(self._check_folder), "--framework", "cloudformation", "--compact", "--skip-download",
             "--output", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) if to_check else None

    def cfn_lint(self) -> tuple[bool, str]:
        """Whether every cfn-lint run exited 0, and everything they printed (empty when clean)."""
        ok, report = True, []
        for templates, run in self._lint:
            out, err = run.communicate(timeout=600)
            ok &= run.returncode == 0
            report.append(out + err)
            if run.returncode == 0 and not (out + err).strip():  # every template of this run is clean
                for template in templates:
                    self._remember(self._lint_keys[template], {"clean": True})
        return ok, "".join(report)

    def checkov(self) -> CheckovResult:
        """checkov's findings over every distinct template; cached clean templates contribute
        the skips and resource count they had when they were scanned."""
        result = CheckovResult()
        if self._checkov is not None:
            out, err = self._checkov.communicate(timeout=600)
            assert self._checkov.returncode in (0, 1), err[-2000:]  # 1: failed checks, reported by the test
            reports = json.loads(out)
            (report,) = reports if isinstance(reports, list) else [reports]
            fresh = CheckovResult(
                failed=[f"{f['check_id']} ({f['check_name']}) on {Path(f['file_path']).name}:{f['resource']}"
                        for f in report["results"]["failed_checks"]],
                skipped=[(f["check_id"], f"{Path(f['file_path']).name}:{f['resource']}",
                          f["check_result"].get("suppress_comment", "")) for f in report["results"]["skipped_checks"]],
                resource_count=report["summary"]["resource_count"], parsing_errors=report["summary"]["parsing_errors"],
            )
            self._merge(result, fresh)
            # A template is remembered only when checkov read all of it and found nothing.
            if fresh.resource_count == sum(_resources(t) for t in self._to_check) and not fresh.parsing_errors:
                for template in self._to_check:
                    if not any(f" on {template.name}:" in failed for failed in fresh.failed):
                        self._remember(self._checkov_keys[template], {
                            "skipped": [s for s in fresh.skipped if s[1].startswith(f"{template.name}:")],
                            "resource_count": _resources(template),
                        })
        for template in self.templates:
            if template not in self._to_check:
                cached = json.loads(self._checkov_keys[template].read_text())
                self._merge(result, CheckovResult(skipped=[tuple(s) for s in cached["skipped"]],
                                                  resource_count=cached["resource_count"]))
        return result

    @staticmethod
    def _merge(into: CheckovResult, other: CheckovResult) -> None:
        into.failed += other.failed
        into.skipped += other.skipped
        into.resource_count += other.resource_count
        into.parsing_errors += other.parsing_errors

    @staticmethod
    def _remember(key: Path, record: dict) -> None:
        key.parent.mkdir(parents=True, exist_ok=True)
        partial = key.with_suffix(".partial")
        partial.write_text(json.dumps(record))
        partial.rename(key)


def _resources(template: Path) -> int:
    return len(json.loads(template.read_text())["Resources"])
