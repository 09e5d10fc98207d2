"""`edge` and `waf`: the SPA folder or Amplify's repository, token, password and branch, the
header's length, the uploads path's bucket, the API's path patterns against the SPA, the uploads
and CloudFront's quota, the keep-alive against the idle timeout, WAF in production. (Path
patterns, origin timeouts and the WAF rate limit are limits in ``config/schema.py``.)
"""

from __future__ import annotations

import re

from config.derived import site_path
from config.limits import CLOUDFRONT_MAX_BEHAVIOURS
from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig

# CloudFront's limit on a Content-Security-Policy value in a response headers policy.
CLOUDFRONT_MAX_CSP = 1783
# What an SPA's default behaviour serves from the site bucket whatever the app's routes: the
# root, the app shell and the settings the frontend stack writes beside it.
SPA_OWN_PATHS = ("/", "/index.html", "/config.json")


def patterns_overlap(a: str, b: str) -> bool:
    """Whether some path matches both path patterns ("*": any characters, "?": one; a plain
    path is a pattern without wildcards): a walk over both patterns at once."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        # A "*" may match nothing ...
        if i < len(a) and a[i] == "*":
            todo.append((i + 1, j))
        if j < len(b) and b[j] == "*":
            todo.append((i, j + 1))
        # ... or both patterns take the same next character (a "*" stays where it is).
        if i < len(a) and j < len(b) and (a[i] in "*?" or b[j] in "*?" or a[i] == b[j]):
            todo.append((i if a[i] == "*" else i + 1, j if b[j] == "*" else j + 1))
    return False


@rule("edge.site-directory-has-an-index", "an SPA's site directory holds index.html")
def site_directory_has_an_index(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.edge.frontend == "spa":
        site = site_path(cfg)
        if not (site / "index.html").is_file():
            problems.add("edge.site_directory", cfg.edge.site_directory, f"has no index.html (looked in {site})",
                         "point it at the SPA's build output (e.g. 'frontend/dist'), relative to this project, or use 'frontend/placeholder'")


@rule("edge.amplify-repository", "Amplify has the HTTPS URL of the frontend's repository")
def amplify_repository(cfg: EnvironmentConfig, problems: Problems) -> None:
    edge = cfg.edge
    if edge.frontend == "amplify" and not re.fullmatch(r"https://[A-Za-z0-9.-]+/\S+", edge.amplify_repository):
        problems.add("edge.amplify_repository", edge.amplify_repository, "edge.frontend is 'amplify' but no HTTPS repository URL is set",
                     "set it to the frontend's Git repository, e.g. 'https://github.com/example/storefront'")


@rule("edge.amplify-token-secret", "Amplify has the name of the Secrets Manager secret with the repository token")
def amplify_token_secret(cfg: EnvironmentConfig, problems: Problems) -> None:
    edge = cfg.edge
    if edge.frontend == "amplify" and not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", edge.amplify_token_secret):
        problems.add("edge.amplify_token_secret", edge.amplify_token_secret,
                     "edge.frontend is 'amplify' but no Secrets Manager secret name is set for the repository token",
                     "create the secret by hand (aws secretsmanager create-secret --name webapp/amplify-github-token ...) and name it here")


@rule("edge.amplify-password-outside-production", "a non-production Amplify site is password-protected")
def amplify_password_outside_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.edge.frontend == "amplify" and not cfg.production and not cfg.edge.amplify_basic_auth:
        problems.add("edge.amplify_basic_auth", False, "a non-production Amplify site must not be open to everyone",
                     "set edge.amplify_basic_auth to True (only production sites are public)")


@rule("edge.amplify-branch-name", "the Git branch Amplify builds (edge.amplify_branch, or a branch environment's own) is one it accepts")
def amplify_branch_name(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.edge.frontend != "amplify" or re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,254}", cfg.amplify_git_branch):
        return
    if cfg.is_branch:  # a branch environment builds its own branch: the name came from -c branch=
        problems.add("branch", cfg.branch, "Amplify builds this branch, but does not accept its name (letters, digits, / . _ -, "
                     "at most 255, starting with a letter or digit)", "deploy the branch environment from a branch so named")
    else:
        problems.add("edge.amplify_branch", cfg.amplify_git_branch, "is not a Git branch name Amplify accepts", "use e.g. 'main'")


@rule("edge.content-security-policy-length", f"the Content-Security-Policy fits CloudFront's {CLOUDFRONT_MAX_CSP} characters")
def content_security_policy_length(cfg: EnvironmentConfig, problems: Problems) -> None:
    csp = cfg.edge.content_security_policy
    if problems.ok("edge.content_security_policy") and len(csp) > CLOUDFRONT_MAX_CSP:
        problems.add("edge.content_security_policy", f"{csp[:40]}...",
                     f"is {len(csp)} characters; CloudFront's response headers policy takes at most {CLOUDFRONT_MAX_CSP}",
                     "shorten it (group sources under 'default-src', drop redundant directives)")


@rule("edge.uploads-path-needs-the-bucket", "uploads are served only when there is an uploads bucket")
def uploads_path_needs_the_bucket(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.edge.uploads_path and not cfg.storage.uploads_bucket:
        problems.add("edge.uploads_path", cfg.edge.uploads_path, "serves the uploads bucket, but storage.uploads_bucket is False",
                     "set storage.uploads_bucket to True or edge.uploads_path to ''")


@rule("edge.api-paths-spare-the-spa", f"with an SPA, no API path pattern takes the site's own {', '.join(SPA_OWN_PATHS)} from its bucket")
def api_paths_spare_the_spa(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.edge.frontend != "spa" or not problems.ok("edge.api_paths"):
        return
    bad = [p for p in cfg.edge.api_paths if any(patterns_overlap(p, own) for own in SPA_OWN_PATHS)]
    if bad:
        problems.add("edge.api_paths", bad, f"{bad} also match the SPA's {', '.join(SPA_OWN_PATHS)}: CloudFront takes these behaviours before "
                     "the default one, so the site would come from the load balancer, which refuses it",
                     "forward the API's own paths only, e.g. '/api/*' rather than '/*'")


@rule("edge.api-paths-apart-from-the-uploads", "no API path pattern matches a path of edge.uploads_path")
def api_paths_apart_from_the_uploads(cfg: EnvironmentConfig, problems: Problems) -> None:
    uploads = cfg.edge.uploads_path
    if not uploads or not problems.ok("edge.api_paths", "edge.uploads_path"):
        return
    bad = [p for p in cfg.edge.api_paths if patterns_overlap(p, uploads)]
    if bad:
        problems.add("edge.api_paths", bad, f"{bad} also match edge.uploads_path {uploads!r}: CloudFront takes the API's behaviours first, "
                     "so those files would go to the load balancer", "narrow them (e.g. '/products' without '/*') or serve the "
                     "uploads from another folder (edge.uploads_path)")


@rule("edge.cache-behaviours-within-the-quota",
      f"the API's path patterns, the uploads path and the default fit CloudFront's {CLOUDFRONT_MAX_BEHAVIOURS} cache behaviours per distribution")
def cache_behaviours_within_the_quota(cfg: EnvironmentConfig, problems: Problems) -> None:
    if not problems.ok("edge.api_paths", "edge.uploads_path"):
        return
    count = 1 + len(cfg.edge.api_paths) + bool(cfg.edge.uploads_path)
    if count > CLOUDFRONT_MAX_BEHAVIOURS:
        problems.add("edge.api_paths", f"{len(cfg.edge.api_paths)} patterns",
                     f"make {count} cache behaviours with the default{' and edge.uploads_path' if cfg.edge.uploads_path else ''}; "
                     f"a distribution holds at most {CLOUDFRONT_MAX_BEHAVIOURS} (CloudFront's default quota)",
                     "merge patterns with a wildcard, e.g. '/v1/*' for the routes under /v1")


@rule("edge.keepalive-below-the-idle-timeout", "CloudFront's origin keep-alive is below the load balancer's idle timeout")
def keepalive_below_the_idle_timeout(cfg: EnvironmentConfig, problems: Problems) -> None:
    keepalive, idle = cfg.edge.origin_keepalive_timeout_seconds, cfg.compute.idle_timeout_seconds
    if problems.ok("edge.origin_keepalive_timeout_seconds", "compute.idle_timeout_seconds") and keepalive >= idle:
        problems.add("edge.origin_keepalive_timeout_seconds", keepalive,
                     f"must be below compute.idle_timeout_seconds ({idle}), or CloudFront reuses connections the load balancer has closed (502s)",
                     f"lower it below {idle} or raise compute.idle_timeout_seconds")


@rule("waf.block-in-production", "a production web ACL blocks (count is for tuning in staging)")
def block_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.waf.mode == "count":
        problems.add("waf.mode", cfg.waf.mode, "a production web ACL that only counts blocks nothing",
                     "tune in staging with 'count', then use 'block' in production")


@rule("waf.required-in-production", "production has a web ACL ('off' is for environments outside production)", risk=True)
def required_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and cfg.waf.mode == "off":
        problems.add("waf.mode", cfg.waf.mode, "production would face the internet without rate limiting or managed rules",
                     "use 'block' (the $5 a month and $1 per rule buy them; docs/decisions.md)")


@rule("waf.options-need-a-web-acl", "Bot Control and a load balancer web ACL need waf.mode other than 'off'")
def options_need_a_web_acl(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.waf.mode != "off":
        return
    for name in ("bot_control", "load_balancer_acl"):
        if getattr(cfg.waf, name):
            problems.add(f"waf.{name}", True, "is a web ACL feature, but waf.mode is 'off'",
                         f"set waf.{name} to False, or waf.mode to 'block'")
