"""Load the configuration of a profile's environments: merge, select, parse, validate.

The jobs are split by module: ``errors`` (the one error type, importing the files users
edit), ``parser`` (dictionaries into the typed schema, and the wording of reports),
``limits`` (what one field may hold, declared in ``schema``), ``rules`` (registered checks
beyond one field, one module per section), ``derived`` (values computed from a configuration),
and this module: merging defaults, the profile and the environment's file, the command line's
values, branch environments, and running the rules in their order.

Everything a user can get wrong is caught before a single construct exists and reported as
one ``ConfigError`` whose lines each name the environment, the setting, what is wrong and
how to fix it. ``app.py`` prints it and exits non-zero, so a bad configuration never
reaches jsii and never leaves a half-written cloud assembly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from config.errors import ConfigError, import_settings, settings_file

# defaults.py is a file users edit too: a mistake in it is a ConfigError, not a traceback.
# Imported before the rules, which read its constants.
_defaults = import_settings("config.defaults")

from config.derived import sanitize_branch  # noqa: E402
from config.parser import CONTEXT_SETTINGS, Problems, deep_merge, parse_dataclass  # noqa: E402
from config.profiles import DEFAULT_PROFILE, PROFILES, Profile  # noqa: E402
from config.rules import BRANCH_CHECKS, PROFILE_CHECKS, ProfileContext, validate  # noqa: E402
from config.schema import EnvironmentConfig  # noqa: E402

BRANCH_OVERRIDES: Mapping = _defaults.BRANCH_OVERRIDES
CLOUDFRONT_ORIGIN_PREFIX_LISTS: Mapping[str, str] = _defaults.CLOUDFRONT_ORIGIN_PREFIX_LISTS
DEFAULTS: Mapping = _defaults.DEFAULTS

__all__ = ["ConfigError", "load"]


def _environment_settings(profile: Profile, env: str) -> Mapping:
    """The ``SETTINGS`` of the environment's file (imported on first use)."""
    module = import_settings(profile.environments[env])
    settings = getattr(module, "SETTINGS", None)
    if not isinstance(settings, Mapping):
        raise ConfigError([
            f"{settings_file(profile.environments[env])}: has no SETTINGS dictionary. "
            "Fix: define SETTINGS: dict = {...} with the environment's settings."
        ])
    return settings


def _dotted_paths(settings: Mapping, prefix: str = "") -> list[str]:
    """Every leaf setting of ``settings`` by its dotted name."""
    paths = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        paths += _dotted_paths(value, f"{name}.") if isinstance(value, Mapping) else [name]
    return paths


def _raw_settings(profile: Profile, env: str) -> dict:
    """Defaults, then the profile's common settings, then the environment's own."""
    return deep_merge(deep_merge(DEFAULTS, profile.common), _environment_settings(profile, env))


def _build(profile: Profile, env: str, *, branch: str, account: str | None, release: str | None,
           overrides: Mapping | None) -> EnvironmentConfig | ConfigError:
    source = settings_file(profile.environments[env])
    data = _raw_settings(profile, env)
    if overrides:  # tests' variants: as if written in the environment's file
        data = deep_merge(data, overrides)
    context, sources = {}, {}
    if branch:
        data = deep_merge(data, BRANCH_OVERRIDES)
        context["branch"] = CONTEXT_SETTINGS["branch"]
        # A branch environment's forced values come from BRANCH_OVERRIDES, not the parent's file.
        sources = {path: "config/defaults.py, BRANCH_OVERRIDES" for path in _dotted_paths(BRANCH_OVERRIDES)}
    if account:
        data["account"] = account
        context["account"] = CONTEXT_SETTINGS["account"]
    if release:
        data = deep_merge(data, {"compute": {"release": release}})
        context["compute.release"] = CONTEXT_SETTINGS["compute.release"]
    data.update(env_name=env, profile=profile.name)
    problems = Problems(profile.name, env, source, branch=branch, context=context, sources=sources)
    cfg = parse_dataclass(EnvironmentConfig, data, "", problems)
    if cfg is not None:
        if not cfg.network.cloudfront_origin_prefix_list_id and cfg.region in CLOUDFRONT_ORIGIN_PREFIX_LISTS:
            cfg = dataclasses.replace(
                cfg,
                network=dataclasses.replace(cfg.network, cloudfront_origin_prefix_list_id=CLOUDFRONT_ORIGIN_PREFIX_LISTS[cfg.region]),
            )
        if branch:
            cfg = dataclasses.replace(cfg, branch=branch, branch_slug=sanitize_branch(branch))
        validate(cfg, problems)
    return ConfigError(problems.items) if problems.items else cfg


def load(
    *,
    profile: str | None = None,
    env: str | None = None,
    branch: str | None = None,
    account: str | None = None,
    release: str | None = None,
    overrides: Mapping[str, Mapping] | None = None,
    delivery: bool = False,
) -> list[EnvironmentConfig]:
    """Configurations to synthesize: every environment of the profile, or ``env`` only.

    The whole profile is always validated (CIDRs are compared across environments),
    so a mistake in prod is reported even while working on dev. ``overrides`` maps
    an environment name to extra settings (tests use it to try variants). ``release``
    (what CI deploys: an image tag or bundle name) applies to ``env`` and its branch.
    ``delivery`` (``-c delivery=true``): every environment of the profile, for the delivery
    stacks (``env`` then only chooses which account's); a branch makes no sense there.
    Raises ``ConfigError`` with every problem found.
    """
    profile_name = profile or DEFAULT_PROFILE
    if profile_name not in PROFILES:
        raise ConfigError([f"profile '{profile_name}' does not exist. Fix: use -c profile= with one of: {', '.join(sorted(PROFILES))}."])
    prof = PROFILES[profile_name]
    if env is not None and env not in prof.environments:
        raise ConfigError([
            f"environment '{env}' does not exist in profile '{profile_name}'. "
            f"Fix: use -c env= with one of: {', '.join(sorted(prof.environments))}."
        ])
    problems: list[str] = []
    branch = (branch or "").strip()
    if delivery and (branch or release):
        flag = f"-c branch={branch}" if branch else f"-c release={release}"
        raise ConfigError([f"{flag}: -c delivery=true builds the deploy identity of the profile's accounts, not an environment's stacks. "
                           f"Fix: drop {flag.split('=')[0]}= (make delivery-synth, make deploy-delivery ACCOUNT=...)."])
    parent = env or prof.branch_parent
    context = ProfileContext(prof, branch, parent, lambda name: _raw_settings(prof, name), delivery=delivery)
    if branch:
        for check in BRANCH_CHECKS:
            problems.extend(check.messages(context))

    overrides = overrides or {}
    built: dict[str, EnvironmentConfig] = {}
    for name in prof.environments:
        # The release goes to the environment being deployed, not to a branch's parent.
        own_release = release if not branch and env in (None, name) else None
        result = _build(prof, name, branch="", account=account, release=own_release, overrides=overrides.get(name))
        if isinstance(result, ConfigError):
            problems.extend(result.problems)
        else:
            built[name] = result

    for check in PROFILE_CHECKS:
        problems.extend(check.messages(dataclasses.replace(context, built=built)))

    selected: list[EnvironmentConfig] = []
    if branch and not problems:
        result = _build(prof, parent, branch=branch, account=account, release=release, overrides=overrides.get(parent))
        if isinstance(result, ConfigError):
            problems.extend(result.problems)
        else:
            selected = [result]
    elif not branch:
        selected = [built[n] for n in built if env is None or n == env or delivery]
    if problems:
        # A value from the command line is checked in every environment but reported once.
        raise ConfigError(dict.fromkeys(problems))
    return selected
