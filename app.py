#!/usr/bin/env python3
"""CDK entry point: the only place that reads CDK context.

  -c env=dev|staging|prod     one environment (default: all of the profile)
  -c branch=feature/x         a short-lived branch environment derived from env (default dev)
  -c profile=NAME             a whole-system configuration (default: reference)
  -c account=123456789012     the target account, overriding the profile's
  -c release=TAG              what the compute tier runs: an ECR image tag (Fargate) or an
                              app bundle name (EC2); default: the placeholder API
"""

import sys

from aws_cdk import App

from config.loader import ConfigError, load
from stacks.stage import add_compliance_checks, build


def _context(app: App, key: str) -> str | None:
    value = app.node.try_get_context(key)
    return None if value in (None, "") else str(value)


def main() -> None:
    app = App()
    # The CDK CLI turns validation failures into a report only; this project's bar is
    # that a cdk-nag finding stops `cdk synth` and `cdk deploy`.
    app.node.set_context("@aws-cdk/core:failSynthOnValidationErrors", True)
    try:
        configs = load(
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
    add_compliance_checks(app, build(app, configs))
    app.synth()


if __name__ == "__main__":
    main()
