"""AWS WAF web ACLs: the CloudFront one (us-east-1) and the optional one on the load balancer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import ArnFormat, Names, Stack
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra_constructs.compliance import acknowledge
from infra_constructs.log_settings import LogSettings

# The AWS managed rule groups every web ACL gets, in evaluation order after the IP
# reputation list and the rate rule. Bot Control (paid per request) is added last on request.
IP_REPUTATION = "AWSManagedRulesAmazonIpReputationList"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
BOT_CONTROL = "AWSManagedRulesBotControlRuleSet"
RATE_RULE = "RateLimitPerIp"
# Request headers never written to the WAF log: they carry credentials.
REDACTED_HEADERS = ("authorization", "cookie")


@dataclass(frozen=True)
class WebAclRules:
    """What every web ACL of an environment shares: requests per IP per 5 minutes before
    the rate rule acts, and whether rules only count (for tuning) instead of blocking."""

    rate_limit: int
    count_only: bool


class EdgeWebAcl(Construct):
    """A WAF web ACL with, in this order: the Amazon IP reputation list, a per-IP rate limit
    (429 when exceeded), the common, known-bad-inputs and SQL injection rule groups, and
    optionally Bot Control. ``rules.count_only`` turns every block into a count, for tuning.

    ``acl_scope`` is "CLOUDFRONT" (the stack must be in us-east-1) or "REGIONAL". Matches
    are logged to a CloudWatch log group (``aws-waf-logs-`` prefix, as WAF requires) with
    the ``logs`` settings of the ACL's region, credentials redacted.

    Exposes ``web_acl`` (its ``attr_arn`` goes to CloudFront or an association), ``metric_name``
    (the ACL's CloudWatch dimension, also its name) and ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        acl_scope: Literal["CLOUDFRONT", "REGIONAL"],
        description: str,
        rules: WebAclRules,
        bot_control: bool,
        logs: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        metric_prefix = Names.unique_id(self)[-40:]
        rate_limit, count_only = rules.rate_limit, rules.count_only

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=f"{metric_prefix}-{name}"[:128], sampled_requests_enabled=True
            )

        def managed(name: str, priority: int, config: list | None = None) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name, managed_rule_group_configs=config
                    )
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(count={} if count_only else None,
                                                                       none=None if count_only else {}),
                visibility_config=visibility(name),
            )

        rate_rule = wafv2.CfnWebACL.RuleProperty(
            name=RATE_RULE,
            priority=1,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(count={})
            if count_only
            else wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=429)
                )
            ),
            visibility_config=visibility(RATE_RULE),
        )
        acl_rules = [managed(IP_REPUTATION, 0), rate_rule]
        acl_rules += [managed(name, priority) for priority, name in enumerate(MANAGED_RULE_GROUPS, start=2)]
        if bot_control:
            acl_rules.append(managed(BOT_CONTROL, len(acl_rules), [
                wafv2.CfnWebACL.ManagedRuleGroupConfigProperty(
                    aws_managed_rules_bot_control_rule_set=wafv2.CfnWebACL.AWSManagedRulesBotControlRuleSetProperty(
                        inspection_level="COMMON"
                    )
                )
            ]))
        # CloudWatch's WebACL dimension: named like its metric, so either reading of that
        # dimension (name or metric name) finds the same metrics.
        self.metric_name = visibility("all").metric_name
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.metric_name,
            scope=acl_scope,
            description=description,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("all"),
            rules=acl_rules,
        )

        if count_only:
            acknowledge(self.web_acl, {
                "CKV_AWS_192": "Count mode (waf.mode 'count'), for tuning the rules on real traffic: every rule, "
                               "the known-bad-inputs group's Log4j rule included, counts matches instead of blocking. "
                               "Production cannot count only (a configuration rule refuses it).",
            })

        # WAF writes only to log groups whose name starts with "aws-waf-logs-".
        stack = Stack.of(self)
        log_group_name = f"aws-waf-logs-{stack.stack_name}-{construct_id}"[:512]
        self.log_group = logs.log_group(self, "Logs", name=log_group_name)
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            # WAF wants the log group ARN without the ":*" suffix CDK's attribute carries.
            log_destination_configs=[
                stack.format_arn(service="logs", resource="log-group", resource_name=log_group_name,
                                 arn_format=ArnFormat.COLON_RESOURCE_NAME)
            ],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in REDACTED_HEADERS
            ],
        )
        logging.node.add_dependency(self.log_group)


def associate_web_acl(scope: Construct, construct_id: str, *, web_acl: EdgeWebAcl, resource_arn: str) -> wafv2.CfnWebACLAssociation:
    """Puts a regional ``web_acl`` in front of ``resource_arn`` (a load balancer). Created in
    ``scope`` under ``construct_id``, so the association keeps the logical ID it was deployed with."""
    return wafv2.CfnWebACLAssociation(scope, construct_id, resource_arn=resource_arn, web_acl_arn=web_acl.web_acl.attr_arn)
