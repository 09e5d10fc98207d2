"""`edge` and `waf`: the SPA folder or Amplify, headers, uploads path, origin timeouts, WAF limits.
"""

from __future__ import annotations

import re

from config.derived import site_path
from config.parser import Problems
from config.schema import EnvironmentConfig

# CloudFront's limit on a Content-Security-Policy value in a response headers policy.
CLOUDFRONT_MAX_CSP = 1783
# CloudFront's origin timeouts (seconds): up to 60 without a quota increase, 180 with one.
CLOUDFRONT_MAX_ORIGIN_TIMEOUT = 180
# AWS WAF's rate-based rule limits (requests per evaluation window).
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
UPLOADS_PATH_RE = re.compile(r"^/[a-z0-9][a-z0-9_-]*/\*$")


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    edge, waf = cfg.edge, cfg.waf
    if edge.frontend == "spa":
        site = site_path(cfg)
        if not (site / "index.html").is_file():
            add("edge.site_directory", edge.site_directory, f"has no index.html (looked in {site})",
                "point it at the SPA's build output (e.g. 'frontend/dist'), relative to this project, or use 'frontend/placeholder'")
    else:
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+/\S+", edge.amplify_repository):
            add("edge.amplify_repository", edge.amplify_repository, "edge.frontend is 'amplify' but no HTTPS repository URL is set",
                "set it to the frontend's Git repository, e.g. 'https://github.com/example/storefront'")
        if not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", edge.amplify_token_secret):
            add("edge.amplify_token_secret", edge.amplify_token_secret,
                "edge.frontend is 'amplify' but no Secrets Manager secret name is set for the repository token",
                "create the secret by hand (aws secretsmanager create-secret --name webapp/amplify-github-token ...) and name it here")
        if not cfg.production and not edge.amplify_basic_auth:
            add("edge.amplify_basic_auth", False, "a non-production Amplify site must not be open to everyone",
                "set edge.amplify_basic_auth to True (only production sites are public)")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,254}", cfg.amplify_git_branch):
            if cfg.is_branch:  # a branch environment builds its own branch: the name came from -c branch=
                add("branch", cfg.branch, "Amplify builds this branch, but does not accept its name (letters, digits, / . _ -, "
                    "at most 255, starting with a letter or digit)", "deploy the branch environment from a branch so named")
            else:
                add("edge.amplify_branch", cfg.amplify_git_branch, "is not a Git branch name Amplify accepts", "use e.g. 'main'")
    if not edge.content_security_policy.strip() or any(c in edge.content_security_policy for c in "\r\n\""):
        add("edge.content_security_policy", edge.content_security_policy, "must be one non-empty header line without quotes",
            "write directives separated by '; ', e.g. \"default-src 'self'; frame-ancestors 'none'\"")
    elif len(edge.content_security_policy) > CLOUDFRONT_MAX_CSP:
        add("edge.content_security_policy", f"{edge.content_security_policy[:40]}...",
            f"is {len(edge.content_security_policy)} characters; CloudFront's response headers policy takes at most {CLOUDFRONT_MAX_CSP}",
            "shorten it (group sources under 'default-src', drop redundant directives)")
    if edge.uploads_path:
        if not UPLOADS_PATH_RE.match(edge.uploads_path):
            add("edge.uploads_path", edge.uploads_path, "must be a CloudFront path pattern of one folder", "write it like '/uploads/*'")
        elif edge.uploads_path in ("/api/*", "/ws/*"):
            add("edge.uploads_path", edge.uploads_path, "is the API's path", "use another folder, e.g. '/uploads/*'")
        if not cfg.storage.uploads_bucket:
            add("edge.uploads_path", edge.uploads_path, "serves the uploads bucket, but storage.uploads_bucket is False",
                "set storage.uploads_bucket to True or edge.uploads_path to ''")
    idle = cfg.compute.idle_timeout_seconds
    for name in ("origin_read_timeout_seconds", "origin_keepalive_timeout_seconds"):
        value = getattr(edge, name)
        if not 1 <= value <= CLOUDFRONT_MAX_ORIGIN_TIMEOUT:
            add(f"edge.{name}", value, f"CloudFront allows 1 to {CLOUDFRONT_MAX_ORIGIN_TIMEOUT} seconds (above 60 with a quota increase)",
                "use e.g. 60")
    if edge.origin_keepalive_timeout_seconds >= idle:
        add("edge.origin_keepalive_timeout_seconds", edge.origin_keepalive_timeout_seconds,
            f"must be below compute.idle_timeout_seconds ({idle}), or CloudFront reuses connections the load balancer has closed (502s)",
            f"lower it below {idle} or raise compute.idle_timeout_seconds")
    low, high = WAF_RATE_LIMIT_RANGE
    if not low <= waf.rate_limit <= high:
        add("waf.rate_limit", waf.rate_limit, f"AWS WAF accepts {low} to {high} requests per 5 minutes", "use e.g. 2000")
    if cfg.production and waf.mode == "count":
        add("waf.mode", waf.mode, "a production web ACL that only counts blocks nothing",
            "tune in staging with 'count', then use 'block' in production")
