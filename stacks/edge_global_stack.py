"""The part of the edge tier that must live in us-east-1: CloudFront's certificate and web ACL."""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_kms as kms
from constructs import Construct

from config.schema import EnvironmentConfig
from infra_constructs.dns import dns_validated_certificate
from infra_constructs.log_keys import logs_key
from infra_constructs.log_settings import LogSettings
from infra_constructs.web_acl import EdgeWebAcl
from stacks.base import EnvironmentStack
from stacks.handoffs import EdgeGlobalHandoff
from stacks.settings import configured_zone, retention, stateful_removal, web_acl_rules

# CloudFront reads certificates and web ACLs from this region only.
CLOUDFRONT_REGION = "us-east-1"


class EdgeGlobalStack(EnvironmentStack):
    """Composes the CloudFront-scope ``EdgeWebAcl`` (with its own log key: log groups are
    encrypted with a key of their region) and, with a domain, the DNS-validated ACM
    certificate for the distribution's name. Always deployed to us-east-1, whatever the
    application's region, so every region synthesizes the same way; the edge stack reads
    the two ARNs through weak references (``Fn::GetStackOutput``), which never lock this
    stack the way exports do.

    With ``waf.mode`` "off" (outside production) there is no web ACL and no log key.

    Exposes ``web_acl`` and ``logs_key`` (or None) and ``certificate`` (or None); the edge and
    alarm tiers take ``handoff`` (``EdgeGlobalHandoff``).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        removal = stateful_removal(config)
        self.logs_key: kms.IKey | None = None
        self.web_acl: EdgeWebAcl | None = None
        if config.waf.mode != "off":
            # The key exists for the web ACL's log group only (log groups use a key of their region).
            self.logs_key = logs_key(self, "LogsKey", removal_policy=removal)
            self.web_acl = EdgeWebAcl(
                self,
                "WebAcl",
                acl_scope="CLOUDFRONT",
                description=f"{config.app_name} {config.qualified_name}: CloudFront",
                bot_control=config.waf.bot_control,
                rules=web_acl_rules(config),
                logs=LogSettings(retention=retention(config.log_retention_days), key=self.logs_key, removal_policy=removal),
            )
        self.certificate: acm.Certificate | None = None
        if config.distribution_host_name:
            self.certificate = dns_validated_certificate(self, "Certificate", domain_name=config.distribution_host_name,
                                                         zone=configured_zone(self, config))
        self.handoff = EdgeGlobalHandoff(
            web_acl_arn=self.web_acl.web_acl.attr_arn if self.web_acl is not None else None,
            web_acl_metric_name=self.web_acl.metric_name if self.web_acl is not None else None,
            certificate=self.certificate,
        )


def needs_edge_global(config: EnvironmentConfig) -> bool:
    """Whether the environment has anything for us-east-1's edge-global stack: a web ACL or a
    certificate. Without either the stack is left out (CloudFormation refuses a template
    without resources)."""
    return config.waf.mode != "off" or bool(config.distribution_host_name)
