"""The delivery scripts: their tests against moto (delivery/tests/, in .venv-delivery, started in
the background), and what can be checked here: the sweeper's deploy order against the stacks'
own, the release artefact's digest, the preview's branch check and URLs, the comment upsert
against a GitHub stand-in on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from delivery import github, preview, release, sweep
from stacks.stage import CONSTRUCT_IDS
from tests.background import Command, background_command
from tests.conftest import ROOT, tiers

DELIVERY_PYTHON = ROOT / ".venv-delivery" / "bin" / "python"


def _moto_tests(path: str):
    def command(scratch: Path) -> Command:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        return Command([str(DELIVERY_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", path], env=env, cwd=ROOT, timeout=600)
    return command


background_command("delivery-sweep-tests")(_moto_tests("delivery/tests/test_sweep.py"))
background_command("delivery-snapshot-tests")(_moto_tests("delivery/tests/test_snapshot.py"))


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.background(n)) for n in ("delivery-sweep-tests", "delivery-snapshot-tests")])
def test_the_scripts_that_call_aws_pass_their_tests_against_moto(name, background):
    assert DELIVERY_PYTHON.exists(), "`make test` installs .venv-delivery (requirements-delivery.txt)"
    result, _ = background.result(name)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_the_sweeper_deletes_in_the_reverse_of_the_stacks_deploy_order(synthesized):
    assert sweep.DEPLOY_ORDER == tiers("eu-domain") == tuple(CONSTRUCT_IDS)
    for variant in ("dev-branch", "eu-domain"):
        names = synthesized[variant].stack_names
        assert {tier: sweep.Stack(name, "us-east-1", "CREATE_COMPLETE", None, {}).tier for tier, name in names.items()} == {t: t for t in names}  # type: ignore[arg-type]


def test_a_release_packs_to_the_same_digest_every_time(tmp_path):
    tree = tmp_path / "tree"
    (tree / "staging" / "asset.abc").mkdir(parents=True)
    (tree / "staging" / "manifest.json").write_text("{}")
    (tree / "staging" / "asset.abc" / "index.py").write_text("print(1)\n")
    first = release.pack(tree, tmp_path / "a.tar.gz")
    os.utime(tree / "staging" / "manifest.json", (0, 12345))
    assert release.pack(tree, tmp_path / "b.tar.gz") == first
    unpacked = release.unpack(tmp_path / "b.tar.gz", first, tmp_path / "out")
    assert (unpacked / "staging" / "asset.abc" / "index.py").read_text() == "print(1)\n"
    (tree / "staging" / "manifest.json").write_text('{"changed": true}')
    other = release.pack(tree, tmp_path / "c.tar.gz")
    assert other != first
    with pytest.raises(SystemExit, match="refusing to deploy it"):
        release.verify(tmp_path / "c.tar.gz", first)
    with pytest.raises(SystemExit, match="sha256"):
        release.verify(tmp_path / "c.tar.gz", "latest")


@pytest.mark.parametrize(("branch", "ok"), [
    ("feature/login-page", True), ("Feature_Login.2", True), ("renovate/aws-cdk-2.x", True),
    ("x$(curl${IFS}evil)", False), ("a;b", False), ("-c", False), ("a..b", False), ("", False), ("a b", False),
])
def test_a_preview_refuses_branch_names_a_shell_would_interpret(branch, ok):
    if ok:
        assert preview.checked_branch(branch) == branch
    else:
        with pytest.raises(SystemExit):
            preview.checked_branch(branch)


def test_the_preview_comment_lists_the_url_outputs():
    outputs = {"webapp-dev-feature-x-edge": {"SiteUrl": "https://d1.cloudfront.net", "ApiUrl": "https://d1.cloudfront.net/api",
                                             "DistributionId": "E123", "LoadBalancerDnsName": "lb.example.com"},
               "webapp-dev-feature-x-frontend": {"BranchUrl": "https://feature-x.d2.amplifyapp.com"}}
    found = preview.urls(outputs)
    assert [name for name, _ in found] == ["webapp-dev-feature-x-edge ApiUrl", "webapp-dev-feature-x-edge SiteUrl",
                                           "webapp-dev-feature-x-frontend BranchUrl"]
    body = preview.comment("feature/x", found, "abc123")
    assert body.startswith(preview.MARKER) and "https://feature-x.d2.amplifyapp.com" in body


class _FakeGitHub(BaseHTTPRequestHandler):
    comments: list[dict] = []
    calls: list[tuple[str, str, str]] = []

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.calls.append(("GET", self.path, self.headers["Authorization"]))
        self._reply(200, self.comments if "page=1" in self.path else [])

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        self.calls.append(("POST", self.path, body["body"]))
        comment = {"id": len(self.comments) + 1, "user": {"login": github.BOT}, "body": body["body"], "html_url": "https://example/c"}
        self.comments.append(comment)
        self._reply(201, comment)

    def do_PATCH(self) -> None:  # noqa: N802
        body = self._body()
        self.calls.append(("PATCH", self.path, body["body"]))
        comment_id = int(self.path.rsplit("/", 1)[1])
        for comment in self.comments:
            if comment["id"] == comment_id:
                comment["body"] = body["body"]
        self._reply(200, {"html_url": "https://example/c"})

    def log_message(self, *args: object) -> None:
        pass


def test_the_review_comment_is_created_once_then_edited(tmp_path, monkeypatch):
    _FakeGitHub.comments = [{"id": 99, "user": {"login": "someone"}, "body": f"{github.BOT} {'<!-- webapp-review -->'} quoted"}]
    _FakeGitHub.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
        monkeypatch.setenv("GITHUB_REPOSITORY", "example/webapp")
        monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        marker = "<!-- webapp-review -->"
        assert github.post(marker, f"{marker}\nfirst", number=7) == 0
        assert github.post(marker, f"{marker}\nsecond", number=7) == 0
    finally:
        server.shutdown()
    methods = [(method, path) for method, path, _ in _FakeGitHub.calls]
    assert methods == [("GET", "/repos/example/webapp/issues/7/comments?per_page=100&page=1"), ("POST", "/repos/example/webapp/issues/7/comments"),
                       ("GET", "/repos/example/webapp/issues/7/comments?per_page=100&page=1"), ("PATCH", "/repos/example/webapp/issues/comments/2")]
    assert _FakeGitHub.calls[0][2] == "Bearer t0ken"
    assert [c["body"] for c in _FakeGitHub.comments] == [_FakeGitHub.comments[0]["body"], f"{marker}\nsecond"]  # someone's comment untouched
    assert (tmp_path / "summary.md").read_text() == f"{marker}\nfirst\n{marker}\nsecond\n"


def test_make_sweep_is_a_dry_run_unless_asked():
    def dry(*args: str) -> str:
        return subprocess.run(["make", "-n", "--no-print-directory", "sweep", *args], cwd=ROOT, capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "SWEEP_APPLY")}).stdout
    assert "delivery.sweep\n" in dry() or dry().rstrip().endswith("delivery.sweep")
    assert dry("SWEEP_APPLY=0").rstrip().endswith("delivery.sweep")
    assert dry("SWEEP_APPLY=1").rstrip().endswith("delivery.sweep --apply")
