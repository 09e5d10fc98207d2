#!/usr/bin/env python3
"""CDK entry point: the only place that reads CDK context.

  -c env=dev|staging|prod     one environment, its stacks top-level (deployable with --all);
                              default: every environment of the profile, a Stage each
                              (for review: the CLI refuses --all then)
  -c branch=feature/x         a short-lived branch environment derived from env (default dev)
  -c profile=NAME             a whole-system configuration (default: reference)
  -c account=123456789012     the target account, overriding the profile's
  -c release=TAG              what the compute tier runs: an ECR image tag (Fargate) or an
                              app bundle name (EC2); default: the placeholder API
  -c delivery=true            instead of the environments: the delivery stack of each account
                              (GitHub OIDC and deploy roles, docs/delivery.md); with -c env, only
                              that environment's account
"""

import os
import sys

from aws_cdk import App

from config.errors import ConfigError


def _context(app: App, key: str) -> str | None:
    value = app.node.try_get_context(key)
    return None if value in (None, "") else str(value)


def _delivery(app: App) -> bool:
    """``-c delivery=true|false`` (default false), refused otherwise."""
    value = (_context(app, "delivery") or "false").lower()
    if value not in ("true", "false"):
        raise ConfigError([f"-c delivery={value}: must be true or false. Fix: use -c delivery=true for the delivery stacks, "
                           "or leave it out for the environments."])
    return value == "true"


def main() -> None:
    # Two synths of one commit are byte-identical (make review compares them; a release's digest
    # is its identity): no stack traces in the assembly's metadata, whose frames name jsii's
    # temporary folder. CDK_DEBUG=1 (cdk --debug-app) keeps them.
    debug = bool(os.environ.get("CDK_DEBUG"))
    app = App(stack_traces=debug, context=None if debug else {"aws:cdk:disable-creation-stack-traces": True})
    # The CDK CLI turns validation failures into a report only; this project's bar is
    # that a cdk-nag finding stops `cdk synth` and `cdk deploy`.
    app.node.set_context("@aws-cdk/core:failSynthOnValidationErrors", True)
    try:
        # Imported here: config/defaults.py is a file users edit, and a mistake in it is a
        # ConfigError like any other (stacks import the loader's helpers, so they wait too).
        from config.loader import load

        delivery = _delivery(app)
        configs = load(
            delivery=delivery,
            profile=_context(app, "profile"),
            env=_context(app, "env"),
            branch=_context(app, "branch"),
            account=_context(app, "account"),
            release=_context(app, "release"),
        )
    except ConfigError as error:
        # Stop before any construct exists: one readable message, no jsii trace, no assembly.
        print(error, file=sys.stderr)
        sys.exit(1)
    for config in configs:
        # Production guardrails waived by name: said on every synth, so no deploy hides them.
        for accepted in config.accepted_risks:
            print(f"ACCEPTED RISK in {config.app_name} {config.qualified_name}: {accepted.risk}: {accepted.reason}", file=sys.stderr)
    from stacks.stage import add_compliance_checks, build

    if delivery:
        # One top-level stack per account of the profile's environments (with -c env, only that
        # environment's account), each holding the roles of every environment in it.
        from aws_cdk import DefaultStackSynthesizer

        from config.derived import environments_by_account
        from stacks.delivery_stack import DeliveryStack

        qualifier = _context(app, "@aws-cdk/core:bootstrapQualifier") or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        env = _context(app, "env")
        for in_account in environments_by_account(configs).values():
            if env is None or any(c.env_name == env for c in in_account):
                DeliveryStack(app, configs=in_account, qualifier=qualifier)
        add_compliance_checks(app, [])
        staged = False
    else:
        # One environment chosen: its stacks are top-level, so `cdk deploy --all`, `cdk diff` and
        # plain stack names select exactly it (stacks/stage.py says why).
        staged = len(configs) > 1
        add_compliance_checks(app, build(app, configs, staged=staged))
    try:
        app.synth()
    except RuntimeError as error:
        # A cdk-nag finding or a CloudFormation schema error: CDK has printed the report (what,
        # where, which rule); a jsii traceback under it would only bury it.
        if "ValidationFailed" not in str(error):
            raise
        print("\nSynthesis stopped by the validation report above. Fix each finding; a cdk-nag finding that is "
              "right by design is acknowledged next to its resource, with a reason specific to it "
              "(infra_constructs/compliance.py).", file=sys.stderr)
        sys.exit(1)
    if staged:
        # Printed by the CLI before its own output: `cdk diff` or `cdk deploy --all` without
        # an environment would otherwise compare or refuse without saying why.
        names = ", ".join(f"'{c.qualified_name}/*'" for c in configs)
        print(f"Synthesized every environment of the profile, each in its own stage ({names}). "
              "To deploy, diff or destroy, choose one with -c env=NAME (see README).", file=sys.stderr)


if __name__ == "__main__":
    main()
