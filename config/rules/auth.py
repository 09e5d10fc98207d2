"""`auth`: MFA and threat protection in the user pool, callback URLs, the hosted UI prefix.
(Token lifetimes, password lengths and the JWT rotation are limits in ``config/schema.py``.)
"""

from __future__ import annotations

import re

from config.derived import BRANCH_PREFIX_HASH, valid_domain_prefix
from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig

# Cognito app client limits: callback (and logout) URLs per client, and characters per URL.
COGNITO_MAX_URLS = 100
COGNITO_MAX_URL_LENGTH = 1024
URL_SETTINGS = ("callback_urls", "logout_urls")


@rule("auth.user-sync-needs-its-table", "the PostConfirmation trigger writes the project's users table only where the project's migrations create it")
def user_sync_needs_its_table(cfg: EnvironmentConfig, problems: Problems) -> None:
    auth = cfg.auth
    if auth.mode == "cognito" and auth.user_sync and not cfg.database.apply_migrations and auth.user_table.table == "users":
        problems.add("auth.user_table.table", "users",
                     "is the project's users table, which only the project's migrations create (database.apply_migrations is False)",
                     "map the trigger to the team's own table (e.g. auth.user_table = {'table': 'User', 'id_column': 'id', 'id_type': "
                     "'text', 'email_column': 'email', 'name_column': 'name'}; 'public.users' for a users table of its own), "
                     "or set auth.user_sync to False")


@rule("auth.mfa-in-production", "a production user pool has MFA (optional or required)")
def mfa_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.auth.mode == "cognito" and cfg.production and cfg.auth.mfa == "off":
        problems.add("auth.mfa", cfg.auth.mfa, "a production user pool needs MFA", "set auth.mfa to 'optional' or 'required'")


@rule("auth.threat-protection-needs-plus", "threat protection comes with the Cognito 'plus' feature plan")
def threat_protection_needs_plus(cfg: EnvironmentConfig, problems: Problems) -> None:
    auth = cfg.auth
    if auth.mode == "cognito" and auth.threat_protection != "off" and auth.feature_plan != "plus":
        problems.add("auth.threat_protection", auth.threat_protection, "threat protection needs the Cognito 'plus' feature plan",
                     "set auth.feature_plan to 'plus' or auth.threat_protection to 'off'")


@rule("auth.url-count", f"at most {COGNITO_MAX_URLS} callback and {COGNITO_MAX_URLS} logout URLs (a Cognito app client's limit)")
def url_count(cfg: EnvironmentConfig, problems: Problems) -> None:
    for name in URL_SETTINGS:
        urls = getattr(cfg.auth, name)
        if cfg.auth.mode == "cognito" and len(urls) > COGNITO_MAX_URLS:
            problems.add(f"auth.{name}", f"{len(urls)} URLs", f"Cognito takes at most {COGNITO_MAX_URLS}",
                         "list fewer (the site's own origins are added for you)")


@rule("auth.url-length", f"callback and logout URLs are at most {COGNITO_MAX_URL_LENGTH} characters (Cognito's limit)")
def url_length(cfg: EnvironmentConfig, problems: Problems) -> None:
    for name in URL_SETTINGS:
        for url in getattr(cfg.auth, name) if cfg.auth.mode == "cognito" else ():
            if len(url) > COGNITO_MAX_URL_LENGTH:
                problems.add(f"auth.{name}", f"{url[:40]}...", f"a URL is {len(url)} characters; Cognito takes at most {COGNITO_MAX_URL_LENGTH}",
                             "use a shorter URL")


@rule("auth.urls-are-https", "callback and logout URLs are https:// (http:// only for localhost)")
def urls_are_https(cfg: EnvironmentConfig, problems: Problems) -> None:
    for name in URL_SETTINGS:
        for url in getattr(cfg.auth, name) if cfg.auth.mode == "cognito" else ():
            if len(url) > COGNITO_MAX_URL_LENGTH:
                continue  # reported by auth.url-length
            local = re.fullmatch(r"http://localhost(:\d+)?(/.*)?", url)
            if not (local or re.fullmatch(r"https://[a-z0-9.-]+(:\d+)?(/\S*)?", url)):
                problems.add(f"auth.{name}", url, "must be an https:// URL (http:// only for localhost)", "write it like 'https://app.example.com/'")


@rule("auth.domain-prefix-cognito-accepts", "a configured hosted UI prefix is one Cognito accepts, with room for branch environments' suffix")
def domain_prefix_cognito_accepts(cfg: EnvironmentConfig, problems: Problems) -> None:
    prefix = cfg.auth.domain_prefix
    # Only a configured prefix is the user's to fix; the derived one is always valid.
    room = BRANCH_PREFIX_HASH + 1 if cfg.allow_branches or cfg.is_branch else 0
    if cfg.auth.mode == "cognito" and prefix and not valid_domain_prefix(prefix, room=room):
        problems.add("auth.domain_prefix", prefix,
                     f"must be lowercase letters, digits or hyphens without 'aws', 'amazon' or 'cognito', at most {63 - room} "
                     "characters" + (" (branch environments append a suffix of their own within Cognito's 63)" if room else ""),
                     "set auth.domain_prefix to another name, e.g. 'webapp-login'")
