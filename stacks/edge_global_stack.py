"""The part of the edge tier that must live in us-east-1: CloudFront's certificate and web ACL."""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from config.schema import EnvironmentConfig
from infra_constructs.log_keys import logs_key
from infra_constructs.web_acl import EdgeWebAcl
from stacks.base import EnvironmentStack
from stacks.settings import configured_zone, retention, stateful_removal

# CloudFront reads certificates and web ACLs from this region only.
CLOUDFRONT_REGION = "us-east-1"


def web_acl_settings(config: EnvironmentConfig) -> dict:
    """The environment's WAF settings, shared by the CloudFront and the load balancer web ACL."""
    return {
        "rate_limit": config.waf.rate_limit,
        "count_only": config.waf.mode == "count",
        "log_retention": retention(config.log_retention_days),
        "removal_policy": stateful_removal(config),
    }


class EdgeGlobalStack(EnvironmentStack):
    """Composes the CloudFront-scope ``EdgeWebAcl`` (with its own log key: log groups are
    encrypted with a key of their region) and, with a domain, the DNS-validated ACM
    certificate for the distribution's name. Always deployed to us-east-1, whatever the
    application's region, so every region synthesizes the same way; the edge stack reads
    the two ARNs through weak references (``Fn::GetStackOutput``), which never lock this
    stack the way exports do.

    Exposes ``web_acl``, ``logs_key`` and ``certificate`` (or None).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        removal = stateful_removal(config)
        self.logs_key = logs_key(self, "LogsKey", removal_policy=removal)
        self.web_acl = EdgeWebAcl(
            self,
            "WebAcl",
            acl_scope="CLOUDFRONT",
            description=f"{config.app_name} {config.qualified_name}: CloudFront",
            bot_control=config.waf.bot_control,
            logs_key=self.logs_key,
            **web_acl_settings(config),
        )
        self.certificate: acm.Certificate | None = None
        if config.distribution_host_name:
            self.certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=config.distribution_host_name,
                validation=acm.CertificateValidation.from_dns(configured_zone(self, config)),
            )
