"""`delivery`: who may deploy what. The deploy roles (the delivery stack, ``-c delivery=true``)
trust one GitHub environment each, so these rules keep the environments apart: production's
role trusts a GitHub environment no other role trusts, branch environments come only through
an environment that allows them, and the OIDC provider and the repository's owner are real.
(The owner's, repository's and environments' spelling are limits in ``config/schema.py``.)
"""

from __future__ import annotations

from collections.abc import Iterator

from config.defaults import PLACEHOLDER_ACCOUNT, PLACEHOLDER_GITHUB_OWNER
from config.derived import environments_by_account, github_environment, github_repository
from config.errors import settings_file
from config.parser import Problems
from config.rules.registry import ProfileContext, rule
from config.schema import EnvironmentConfig


@rule("delivery.branch-environment-needs-allow-branches", "only an environment with allow_branches names a GitHub environment for branch environments")
def branch_environment_needs_allow_branches(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.delivery.branch_github_environment and not cfg.allow_branches and problems.ok("delivery.branch_github_environment"):
        problems.add("delivery.branch_github_environment", cfg.delivery.branch_github_environment,
                     "names a role for branch environments, but allow_branches = False: none may derive from this environment",
                     "set it to '' (branch environments come from dev's 'preview')")


@rule("delivery.branch-environment-is-not-the-deploy-environment", "branch environments are deployed from another GitHub environment than the environment itself")
def branch_environment_is_not_the_deploy_environment(cfg: EnvironmentConfig, problems: Problems) -> None:
    branch = cfg.delivery.branch_github_environment
    if branch and branch.lower() == github_environment(cfg).lower() and problems.ok("delivery.branch_github_environment"):
        problems.add("delivery.branch_github_environment", branch,
                     "is also the GitHub environment that deploys this environment: a pull request's job would hold its deploy role",
                     "use a GitHub environment of its own, e.g. 'preview'")


@rule("delivery.oidc-provider-in-the-account", "an existing OIDC provider is in the environment's own account")
def oidc_provider_in_the_account(cfg: EnvironmentConfig, problems: Problems) -> None:
    arn = cfg.delivery.oidc_provider_arn
    if arn and problems.ok("delivery.oidc_provider_arn") and problems.ok("account") and arn.split(":")[4] != cfg.account:
        problems.add("delivery.oidc_provider_arn", arn, f"is in account {arn.split(':')[4]}, not the environment's {cfg.account}",
                     "name the provider of the environment's own account, or '' to create it")


def _where(context: ProfileContext, env: str) -> str:
    return f"environment '{env}' (profile '{context.profile.name}')"


def _file(context: ProfileContext, env: str) -> str:
    return settings_file(context.profile.environments[env])


@rule("delivery.production-trusts-only-its-own-github-environment",
      "a production role trusts a GitHub environment no other role of the repository trusts", scope="profile")
def production_trusts_only_its_own_github_environment(context: ProfileContext) -> Iterator[str]:
    built = context.built
    for name, cfg in built.items():
        if not cfg.production:
            continue
        own = github_environment(cfg).lower()
        for other_name, other in built.items():
            if other_name == name or github_repository(other).lower() != github_repository(cfg).lower():
                continue
            shared = {github_environment(other).lower(), other.delivery.branch_github_environment.lower()}
            if own in shared:
                yield (f"{_where(context, name)}: delivery.github_environment = '{github_environment(cfg)}': environment '{other_name}' "
                       "trusts the same GitHub environment, so its jobs could deploy production. "
                       f"Fix: give production a GitHub environment of its own (e.g. 'production', with required reviewers) in {_file(context, name)}.")


@rule("delivery.github-environments-distinct", "no two non-production environments of a repository are deployed from one GitHub environment", scope="profile")
def github_environments_distinct(context: ProfileContext) -> Iterator[str]:
    names = [n for n, c in context.built.items() if not c.production]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ca, cb = context.built[a], context.built[b]
            if github_repository(ca).lower() != github_repository(cb).lower():
                continue
            shared = ({github_environment(ca).lower(), ca.delivery.branch_github_environment.lower()}
                      & {github_environment(cb).lower(), cb.delivery.branch_github_environment.lower()}) - {""}
            if github_environment(cb).lower() in shared or (cb.delivery.branch_github_environment.lower() in shared
                                                            and cb.delivery.branch_github_environment.lower() != ca.delivery.branch_github_environment.lower()):
                yield (f"{_where(context, b)}: delivery.github_environment = '{github_environment(cb)}': environment '{a}' is deployed "
                       "from the same GitHub environment, so either's jobs could deploy both. "
                       f"Fix: give each environment its own GitHub environment (dev, staging, production) in {_file(context, b)}.")


@rule("delivery.one-branch-github-environment", "at most one environment of a repository deploys branch environments", scope="profile")
def one_branch_github_environment(context: ProfileContext) -> Iterator[str]:
    seen: dict[str, str] = {}
    for name, cfg in context.built.items():
        if not cfg.delivery.branch_github_environment:
            continue
        repository = github_repository(cfg).lower()
        if repository in seen:
            yield (f"{_where(context, name)}: delivery.branch_github_environment = '{cfg.delivery.branch_github_environment}': "
                   f"environment '{seen[repository]}' already deploys the branch environments of {github_repository(cfg)} "
                   "(the preview and sweep workflows have one role, PREVIEW_DEPLOY_ROLE_ARN). "
                   f"Fix: set it to '' in {_file(context, name)}.")
        else:
            seen[repository] = name


@rule("delivery.one-oidc-provider-per-account", "the environments of one account name the same OIDC provider (or none)", scope="profile")
def one_oidc_provider_per_account(context: ProfileContext) -> Iterator[str]:
    for account, configs in environments_by_account(list(context.built.values())).items():
        given = {c.env_name: c.delivery.oidc_provider_arn for c in configs}
        if len(set(given.values())) > 1:
            values = ", ".join(f"{env} '{arn}'" for env, arn in given.items())
            yield (f"account {account} (profile '{context.profile.name}'): delivery.oidc_provider_arn differs between its environments "
                   f"({values}), and an account has one GitHub OIDC provider. "
                   f"Fix: give every environment of account {account} the same value (or '' in all to create it).")


@rule("delivery.no-placeholder-owner-in-a-real-account", "a real account's delivery stack trusts the repository's real owner, not the placeholder", scope="profile")
def no_placeholder_owner_in_a_real_account(context: ProfileContext) -> Iterator[str]:
    # Only for the delivery stack (-c delivery=true): the environments' own synths do not read
    # these settings. A placeholder owner's name can be registered on GitHub by anyone.
    if not context.delivery:
        return
    placeholders = [n for n, c in context.built.items()
                    if c.account != PLACEHOLDER_ACCOUNT and c.delivery.github_owner == PLACEHOLDER_GITHUB_OWNER]
    if placeholders:
        yield (f"environments {', '.join(placeholders)} (profile '{context.profile.name}'): delivery.github_owner = "
               f"'{PLACEHOLDER_GITHUB_OWNER}' is the placeholder, and the deploy roles of a real account would trust whoever owns "
               "that name on GitHub. Fix: set delivery.github_owner and delivery.github_repository to the repository's own "
               f"(config/defaults.py, or the profile's common settings).")
