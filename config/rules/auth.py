"""`auth`: MFA and threat protection, callback URLs, token lifetimes, the hosted UI prefix, passwords.
"""

from __future__ import annotations

import re

from config.derived import BRANCH_PREFIX_HASH, valid_domain_prefix
from config.parser import Problems
from config.schema import EnvironmentConfig

# Cognito app client limits: callback (and logout) URLs per client, and characters per URL.
COGNITO_MAX_URLS = 100
COGNITO_MAX_URL_LENGTH = 1024


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    auth = cfg.auth
    if auth.mode == "cognito":
        if cfg.production and auth.mfa == "off":
            add("auth.mfa", auth.mfa, "a production user pool needs MFA", "set auth.mfa to 'optional' or 'required'")
        if auth.threat_protection != "off" and auth.feature_plan != "plus":
            add("auth.threat_protection", auth.threat_protection, "threat protection needs the Cognito 'plus' feature plan",
                "set auth.feature_plan to 'plus' or auth.threat_protection to 'off'")
        for name in ("callback_urls", "logout_urls"):
            if len(getattr(auth, name)) > COGNITO_MAX_URLS:
                add(f"auth.{name}", f"{len(getattr(auth, name))} URLs", f"Cognito takes at most {COGNITO_MAX_URLS}",
                    "list fewer (the site's own origins are added for you)")
            for url in getattr(auth, name):
                if len(url) > COGNITO_MAX_URL_LENGTH:
                    add(f"auth.{name}", f"{url[:40]}...", f"a URL is {len(url)} characters; Cognito takes at most {COGNITO_MAX_URL_LENGTH}",
                        "use a shorter URL")
                    continue
                local = re.fullmatch(r"http://localhost(:\d+)?(/.*)?", url)
                if not (local or re.fullmatch(r"https://[a-z0-9.-]+(:\d+)?(/\S*)?", url)):
                    add(f"auth.{name}", url, "must be an https:// URL (http:// only for localhost)",
                        "write it like 'https://app.example.com/'")
        for name, low, high in (("access_token_minutes", 5, 1440), ("id_token_minutes", 5, 1440), ("refresh_token_days", 1, 3650)):
            value = getattr(auth, name)
            if not low <= value <= high:
                add(f"auth.{name}", value, f"Cognito allows {low} to {high}", f"use a value in {low}-{high}")
        # Only a configured prefix is the user's to fix; the derived one is always valid.
        room = BRANCH_PREFIX_HASH + 1 if cfg.allow_branches or cfg.is_branch else 0
        if auth.domain_prefix and not valid_domain_prefix(auth.domain_prefix, room=room):
            add("auth.domain_prefix", auth.domain_prefix,
                f"must be lowercase letters, digits or hyphens without 'aws', 'amazon' or 'cognito', at most {63 - room} "
                "characters" + (" (branch environments append a suffix of their own within Cognito's 63)" if room else ""),
                "set auth.domain_prefix to another name, e.g. 'webapp-login'")
        if not 8 <= auth.password_min_length <= 99:
            add("auth.password_min_length", auth.password_min_length, "must be 8 to 99 characters", "use 12 or more")
    elif not 1 <= auth.jwt_secret_rotation_days <= 365:
        add("auth.jwt_secret_rotation_days", auth.jwt_secret_rotation_days, "must be 1 to 365 days", "use e.g. 90")
