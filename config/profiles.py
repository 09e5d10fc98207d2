"""Profiles: whole-system configurations selected with ``-c profile=NAME``.

A profile is a set of environments, each given as overrides of ``defaults.DEFAULTS``
(``common`` first, then the environment's own). ``reference`` is this project's own
system; later profiles express the seed systems as configuration of the same app.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from config import dev, prod, staging


@dataclass(frozen=True)
class Profile:
    name: str
    # Overrides shared by every environment of the profile.
    common: Mapping
    # Environment name -> (overrides, file a user edits to change them).
    environments: Mapping[str, tuple[Mapping, str]]
    # Environment a branch environment derives from when none is given.
    branch_parent: str = "dev"
    description: str = ""


REFERENCE = Profile(
    name="reference",
    description="This project's reference system: React SPA, Fargate API, PostgreSQL, Cognito.",
    common={},
    environments={
        "dev": (dev.SETTINGS, "config/dev.py"),
        "staging": (staging.SETTINGS, "config/staging.py"),
        "prod": (prod.SETTINGS, "config/prod.py"),
    },
)

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (REFERENCE,)})
DEFAULT_PROFILE = REFERENCE.name
