"""The release artefact: built once, promoted by digest (`make release`, `make deploy-release`).

``build`` synthesizes each environment the release goes to (``-c env=<env>``, the account from
``<ENV>_ACCOUNT``, the API release from ``RELEASE``) into ``build/release/tree/<env>/`` and packs
the folder into ``build/release/release.tar.gz`` reproducibly (sorted entries, no times, owners
or modes of the machine), so its SHA-256 is the release's identity: the same commit gives the
same digest. The digest goes to ``$GITHUB_OUTPUT`` and the run's summary.

``deploy`` takes a downloaded artefact, refuses it unless its SHA-256 is the digest the build
reported (``RELEASE_DIGEST``), unpacks it and runs ``cdk deploy --app <its assembly> --all``:
nothing is synthesized again, so staging and production deploy the very templates and assets
that were built (and, for production, that staging ran). ``unpack`` only verifies and unpacks
(``make db-snapshot`` reads the assembly before production's deploy).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "release"
ARTEFACT = OUT / "release.tar.gz"
ENVIRONMENTS = ("dev", "staging", "prod")


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha.update(chunk)
    return f"sha256:{sha.hexdigest()}"


def pack(folder: Path, artefact: Path) -> str:
    """A reproducible .tar.gz of ``folder`` (paths relative to it). Returns its digest."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                raise ValueError(f"{path}: only files and folders go into a release")
            info = tar.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
            info.pax_headers = {}
            if path.is_file():
                with path.open("rb") as stream:
                    tar.addfile(info, stream)
            else:
                tar.addfile(info)
    artefact.parent.mkdir(parents=True, exist_ok=True)
    with artefact.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
        out.write(buffer.getvalue())
    return digest(artefact)


def verify(artefact: Path, expected: str) -> None:
    if not expected.startswith("sha256:") or len(expected) != len("sha256:") + 64:
        raise SystemExit(f"RELEASE_DIGEST must be the build's sha256:<64 hex>, not {expected!r}")
    actual = digest(artefact)
    if actual != expected:
        raise SystemExit(f"{artefact} is {actual}, not the release built ({expected}): refusing to deploy it")


def unpack(artefact: Path, expected: str, into: Path) -> Path:
    verify(artefact, expected)
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(artefact, mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    return into


def cli_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(ROOT / "node_modules" / ".bin"), str(ROOT / ".venv" / "bin"), env.get("PATH", "")])
    return env


def build(environments: Sequence[str], *, release: str | None) -> str:
    tree = OUT / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    for env in environments:
        if env not in ENVIRONMENTS:
            raise SystemExit(f"not an environment: {env!r} (one of {', '.join(ENVIRONMENTS)})")
        context = ["-c", f"env={env}"]
        account = os.environ.get(f"{env.upper()}_ACCOUNT", "")
        if account:
            context += ["-c", f"account={account}"]
        else:
            print(f"::warning::{env.upper()}_ACCOUNT is not set: {env} is synthesized for the profile's placeholder account")
        if release:
            context += ["-c", f"release={release}"]
        subprocess.run(["cdk", "synth", "--quiet", "--no-notices", "--output", str(tree / env), *context], cwd=ROOT,
                       env=cli_environment(), check=True)
    value = pack(tree, ARTEFACT)
    lines = [f"Release {value}: {', '.join(environments)}" + (f" running {release}" if release else " (placeholder API)")]
    print(lines[0])
    for name, target in (("GITHUB_OUTPUT", f"digest={value}\n"), ("GITHUB_STEP_SUMMARY", f"### Release\n\n{lines[0]}\n")):
        if os.environ.get(name):
            with open(os.environ[name], "a") as out:
                out.write(target)
    return value


def deploy(env: str, expected: str, *, extra: Sequence[str] = ()) -> None:
    unpacked = unpack(ARTEFACT, expected, OUT / "unpacked")
    assembly = unpacked / env
    if not (assembly / "manifest.json").exists():
        raise SystemExit(f"the release holds no assembly for {env!r}: it was built for {', '.join(sorted(p.name for p in unpacked.iterdir()))}")
    subprocess.run(["cdk", "deploy", "--app", str(assembly), "--all", "--require-approval", "never", "--no-notices", *extra], cwd=ROOT,
                   env=cli_environment(), check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make release | make deploy-release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="synthesize and pack the release")
    b.add_argument("--envs", default=os.environ.get("RELEASE_ENVS", ""), help="environments, space-separated (default $RELEASE_ENVS)")
    b.add_argument("--release", default=os.environ.get("RELEASE", ""), help="the API release (-c release=; default $RELEASE)")
    for name in ("deploy", "unpack"):
        d = sub.add_parser(name, help=f"verify the artefact's digest and {name} it")
        d.add_argument("--env", default=os.environ.get("ENV", ""), choices=ENVIRONMENTS)
        d.add_argument("--digest", default=os.environ.get("RELEASE_DIGEST", ""), help="sha256:... (default $RELEASE_DIGEST)")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.envs.split(), release=args.release or None)
    elif args.command == "unpack":
        print(unpack(ARTEFACT, args.digest, OUT / "unpacked") / args.env)
    else:
        deploy(args.env, args.digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
