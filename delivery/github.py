"""One pull request comment per purpose, created once and updated on every push (`make pr-comment`).

The comment is found by a marker on its first line (``<!-- webapp-review -->``) among the comments
the workflow's own token wrote (github-actions[bot]), then edited in place; none yet: created.
GitHub's REST API over the standard library (no client to install); the token comes from
``GITHUB_TOKEN`` and is sent in a header only, never printed. A token that may not write (a pull
request from a fork) is not an error: the report still goes to the run's summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BOT = "github-actions[bot]"


class GitHub:
    def __init__(self, *, token: str, repository: str, api: str = "https://api.github.com") -> None:
        self._token, self.repository, self.api = token, repository, api.rstrip("/")

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.api}{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {self._token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "webapp-delivery",
            **({"Content-Type": "application/json"} if data is not None else {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def comments(self, number: int) -> list[dict[str, Any]]:
        found, page = [], 1
        while True:
            batch = self.request("GET", f"/repos/{self.repository}/issues/{number}/comments?per_page=100&page={page}")
            found += batch
            if len(batch) < 100:
                return found
            page += 1

    def upsert_comment(self, number: int, marker: str, body: str) -> str:
        """Edit the bot's comment that starts with ``marker``, or create it. Returns its URL."""
        if not body.startswith(marker):
            body = f"{marker}\n{body}"
        mine = [c for c in self.comments(number) if c.get("user", {}).get("login") == BOT and c.get("body", "").startswith(marker)]
        if mine:
            comment = self.request("PATCH", f"/repos/{self.repository}/issues/comments/{mine[0]['id']}", {"body": body})
        else:
            comment = self.request("POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": body})
        return str(comment.get("html_url", ""))


def from_environment() -> GitHub:
    token, repository = os.environ.get("GITHUB_TOKEN", ""), os.environ.get("GITHUB_REPOSITORY", "")
    if not token or not repository:
        raise SystemExit("GITHUB_TOKEN and GITHUB_REPOSITORY must be set (the workflow passes them)")
    return GitHub(token=token, repository=repository, api=os.environ.get("GITHUB_API_URL", "https://api.github.com"))


def pull_request_number(value: str | None = None) -> int:
    """``PR_NUMBER`` (or ``value``), or the pull request of the event being handled."""
    text = value or os.environ.get("PR_NUMBER", "")
    if not text and os.environ.get("GITHUB_EVENT_PATH"):
        event = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text())
        text = str(event.get("pull_request", {}).get("number", ""))
    if not text.isdigit():
        raise SystemExit(f"not a pull request number: {text!r}")
    return int(text)


def post(marker: str, body: str, *, number: int | None = None) -> int:
    """Upsert the comment and add the body to the run's summary; 0 also when the token may not write."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a") as out:
            out.write(body + "\n")
    github = from_environment()
    try:
        url = github.upsert_comment(number if number is not None else pull_request_number(), marker, body)
    except urllib.error.HTTPError as error:
        if error.code in (401, 403, 404):
            print(f"::warning::could not write the pull request comment ({error.code}: a token without write access, "
                  "e.g. a pull request from a fork); the report is in the run's summary")
            return 0
        raise
    print(f"comment: {url}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make pr-comment", description=__doc__)
    parser.add_argument("--marker", required=True, help="the comment's first line, e.g. <!-- webapp-review -->")
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--pr", help="pull request number (default: $PR_NUMBER or the event's)")
    args = parser.parse_args(argv)
    return post(args.marker, args.body_file.read_text(), number=pull_request_number(args.pr))


if __name__ == "__main__":
    sys.exit(main())
