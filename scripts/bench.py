"""`make bench`: how long synthesizing every environment takes, against an empty CDK app,
and how long the whole test suite takes.

Both synths are run through the real CDK CLI (`cdk synth`), alternating, several times; the
report gives the medians and their ratio (1.0 would mean the project costs nothing
beyond starting the CDK). Then one run of the test suite, timed (the bar: under 60 s on
2 cores). A benchmark, not a test: it never fails on a number.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synth_seconds(app: str | None, outdir: Path) -> float:
    command = ["cdk", "synth", "--quiet", "--output", str(outdir)]
    if app:
        command += ["--app", app]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"`{' '.join(command)}` failed:\n{result.stderr[-2000:]}")
    elapsed = time.perf_counter() - started
    shutil.rmtree(outdir, ignore_errors=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--no-suite", action="store_true", help="skip timing the test suite")
    args = parser.parse_args()
    empty_app = f"{sys.executable} scripts/empty_app.py"
    project, empty = [], []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "cdk.out"
        synth_seconds(None, out)  # warm caches (Python bytecode, jsii bundle) before measuring
        for run in range(args.runs):
            empty.append(synth_seconds(empty_app, out))
            project.append(synth_seconds(None, out))
            print(f"run {run + 1}/{args.runs}: empty app {empty[-1]:.2f} s, all environments {project[-1]:.2f} s", flush=True)
    p, e = statistics.median(project), statistics.median(empty)
    print(f"\nmedian, {args.runs} alternating runs through `cdk synth`:")
    print(f"  empty CDK app          {e:6.2f} s")
    print(f"  all environments       {p:6.2f} s")
    print(f"  ratio                  {p / e:6.2f}x")
    if not args.no_suite:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        elapsed = time.perf_counter() - started
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
        print(f"\ntest suite, one run:     {elapsed:6.1f} s  ({summary})")


if __name__ == "__main__":
    main()
