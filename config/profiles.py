"""Profiles: whole-system configurations selected with ``-c profile=NAME``.

A profile is a set of environments, each given as overrides of ``defaults.DEFAULTS``
(``common`` first, then the environment's own). ``reference`` is this project's own
system; later profiles express the seed systems (docs/requirements.md) as configuration
of the same app.

An environment's settings are the ``SETTINGS`` dict of a module under ``config/``,
imported by the loader only when it is needed, so a mistake in that file (a syntax
error, a misspelled name) is reported as one line naming the file, not as a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Profile:
    name: str
    # Overrides shared by every environment of the profile.
    common: Mapping
    # Environment name -> module holding its SETTINGS ("config.dev", i.e. config/dev.py).
    environments: Mapping[str, str]
    # Environment a branch environment derives from when none is given.
    branch_parent: str = "dev"
    description: str = ""


REFERENCE = Profile(
    name="reference",
    description="This project's reference system: React SPA, Fargate API, PostgreSQL, Cognito.",
    common={},
    environments={
        "dev": "config.dev",
        "staging": "config.staging",
        "prod": "config.prod",
    },
)


PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (REFERENCE,)})
DEFAULT_PROFILE = REFERENCE.name
