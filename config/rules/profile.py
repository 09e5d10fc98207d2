"""Rules beyond one environment: the ``-c branch=`` value (checked before any environment is
built) and the profile's environments side by side (after).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from config.derived import sanitize_branch
from config.errors import settings_file
from config.rules.registry import ProfileContext, rule


@rule("branch.name-has-letters-or-digits", "a branch name has letters or digits, so it can name stacks", scope="branch")
def name_has_letters_or_digits(context: ProfileContext) -> Iterator[str]:
    if not sanitize_branch(context.branch):
        yield (f"branch '{context.branch}': has no letters or digits, so it cannot name a stack. "
               "Fix: use a branch name with letters or digits (e.g. feature/login-page).")


@rule("branch.name-starts-with-a-letter", "a branch name's slug starts with a letter, as resource names must", scope="branch")
def name_starts_with_a_letter(context: ProfileContext) -> Iterator[str]:
    slug = sanitize_branch(context.branch)
    if slug and not slug[0].isalpha():
        yield (f"branch '{context.branch}': sanitized to '{slug}', which starts with a digit and cannot begin a resource name. "
               "Fix: start the branch name with a letter (e.g. fix-123 instead of 123-fix).")


@rule("branch.parent-allows-branches", "branch environments derive only from an environment with allow_branches", scope="branch")
def parent_allows_branches(context: ProfileContext) -> Iterator[str]:
    profile, parent = context.profile, context.parent
    if not context.raw(parent).get("allow_branches"):
        parents = [e for e in profile.environments if context.raw(e).get("allow_branches")]
        yield (f"environment '{parent}' (profile '{profile.name}'): allow_branches = False: branch environments cannot derive from it. "
               f"Fix: branch from {' or '.join(parents) or 'an environment with allow_branches'} with -c env=, "
               f"or set allow_branches in {settings_file(profile.environments[parent])}.")


@rule("network.cidrs-do-not-overlap", "a profile's environments have address ranges that do not overlap (for peering later)", scope="profile")
def cidrs_do_not_overlap(context: ProfileContext) -> Iterator[str]:
    # Environments of one profile may be peered or joined by a transit gateway later.
    built, profile = context.built, context.profile
    names = list(built)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            na, nb = built[a].network, built[b].network
            try:
                overlap = ipaddress.IPv4Network(na.cidr).overlaps(ipaddress.IPv4Network(nb.cidr))
            except ValueError:
                continue  # reported as malformed
            if overlap:
                yield (f"environment '{b}' (profile '{profile.name}'): network.cidr = '{nb.cidr}': overlaps "
                       f"environment '{a}' ({na.cidr}). Fix: give each environment its own range "
                       f"(e.g. 10.0/10.1/10.2.0.0/16) in {settings_file(profile.environments[b])}.")
