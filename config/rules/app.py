"""`app`: the application's own settings, secrets and names, against each other and the
project's. (Name patterns and value lengths are limits in ``config/schema.py``.)
"""

from __future__ import annotations

from collections import Counter

from config.derived import project_setting_names
from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig


@rule("app.renames-name-project-settings", "a rename names a setting the project gives this environment, once")
def renames_name_project_settings(cfg: EnvironmentConfig, problems: Problems) -> None:
    given = project_setting_names(cfg)
    seen: set[str] = set()
    for rename in cfg.app.renames:
        if rename.setting not in given:
            problems.add("app.renames", rename.setting, "is not a setting the project gives this environment ("
                         + ", ".join(given) + ")", "rename one of those, or remove the entry")
        elif rename.setting in seen:
            problems.add("app.renames", rename.setting, "is renamed twice", "keep one name for it")
        seen.add(rename.setting)


@rule("app.names-distinct", "every environment variable the application gets has one source")
def names_distinct(cfg: EnvironmentConfig, problems: Problems) -> None:
    if not problems.ok("app.renames"):
        return
    renamed = {r.setting: r.name for r in cfg.app.renames}
    sources = [(renamed.get(n, n), f"the project's {n}") for n in project_setting_names(cfg)]
    sources += [(s.name, "app.settings") for s in cfg.app.settings] + [(s.name, "app.secrets") for s in cfg.app.secrets]
    counts = Counter(name for name, _ in sources)
    ours = {name for name, origin in sources if origin.startswith("app.")} | set(renamed.values())
    for name, count in sorted(counts.items()):
        # Two of the project's own settings under one name are another rule's (e.g. two topics).
        if count > 1 and name in ours:
            origins = " and ".join(origin for n, origin in sources if n == name)
            problems.add("app", name, f"is set by {origins}", "give each a name of its own (app.renames can move a project setting aside)")


@rule("app.key-only-for-an-existing-secret", "a KMS key is named only for a secret the project does not create")
def key_only_for_an_existing_secret(cfg: EnvironmentConfig, problems: Problems) -> None:
    for secret in cfg.app.secrets:
        if secret.kms_key_arn and not secret.existing:
            problems.add("app.secrets", secret.name, "names a KMS key, but the project creates this secret (with its own key)",
                         "remove kms_key_arn, or set existing to the secret that key encrypts")
        if secret.json_key and not secret.existing:
            problems.add("app.secrets", secret.name, "reads a JSON key, but the project creates this secret as one plain value",
                         "remove json_key, or set existing to a secret whose value is JSON")
