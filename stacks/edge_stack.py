"""Edge tier: everything between the internet and the application."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from config.derived import name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.amplify_hosting import AmplifyApp, branch_url_prefix
from infra_constructs.buckets import PrivateBucket
from infra_constructs.distribution import WebDistribution
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.security_groups import immutable_view
from infra_constructs.site_deployment import SiteUploader
from infra_constructs.web_acl import EdgeWebAcl
from stacks.base import EnvironmentStack
from stacks.data_stack import DataStack
from stacks.edge_global_stack import EdgeGlobalStack, web_acl_settings
from stacks.network_stack import NetworkStack
from stacks.settings import configured_zone, retention, stateful_removal

ROOT = Path(__file__).resolve().parent.parent
AMPLIFY_BUILD_SPEC = ROOT / "frontend" / "amplify.yml"
PRICE_CLASSES = {
    "100": cloudfront.PriceClass.PRICE_CLASS_100,
    "200": cloudfront.PriceClass.PRICE_CLASS_200,
    "all": cloudfront.PriceClass.PRICE_CLASS_ALL,
}


class EdgeStack(EnvironmentStack):
    """Composes the ``WebLoadBalancer`` (optionally behind a regional ``EdgeWebAcl``), the
    ``WebDistribution`` with the CloudFront web ACL and certificate from ``edge_global``,
    and the frontend's host: a ``PrivateBucket`` for the SPA (``edge.frontend`` "spa") or an
    ``AmplifyApp`` ("amplify"). With a domain: ``origin.<host>`` for the load balancer (its
    certificate lives here, in the application's region) and A/AAAA aliases for the
    distribution.

    The load balancer lives here rather than with the services so that the order of
    deployment has no cycle: edge (needs the load balancer's name) -> auth (needs the
    site's URL for its callback URLs) -> compute (needs the user pool's IDs) -> frontend.

    Exposes ``load_balancer``, ``distribution``, ``site`` and ``site_uploader`` (or None),
    ``amplify`` (or None),
    ``app_origins`` (the https origins the frontend is served from: the auth hand-off),
    and ``api_url``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkStack,
        data: DataStack,
        edge_global: EdgeGlobalStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        edge, compute = config.edge, config.compute
        net = network.network
        groups = network.security_groups
        removal = stateful_removal(config)
        log_retention = retention(config.log_retention_days)

        zone = None
        origin_certificate, origin_name = None, None
        if config.host_name:
            zone = configured_zone(self, config)
            origin_name = f"origin.{config.host_name}"
            origin_certificate = acm.Certificate(self, "OriginCertificate", domain_name=origin_name,
                                                 validation=acm.CertificateValidation.from_dns(zone))
        load_balancer_groups = [immutable_view(self, "LoadBalancerSecurityGroup", groups.load_balancer)]
        if groups.load_balancer_redirect is not None:
            load_balancer_groups.append(immutable_view(self, "LoadBalancerRedirectSecurityGroup", groups.load_balancer_redirect))
        self.load_balancer = WebLoadBalancer(
            self,
            "LoadBalancer",
            vpc=net.vpc,
            subnets=ec2.SubnetSelection(subnet_group_name="public"),
            security_groups=load_balancer_groups,
            certificate=origin_certificate,
            origin_domain_name=origin_name,
            idle_timeout=Duration.seconds(compute.idle_timeout_seconds),
            deletion_protection=config.production,
            regional_web_acl=config.waf.load_balancer_acl,
            access_logs=data.access_logs.bucket,
            log_prefix="load-balancer",
            removal_policy=removal,
        )
        if zone is not None and origin_name:
            route53.ARecord(self, "OriginRecord", zone=zone, record_name=origin_name,
                            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(self.load_balancer.load_balancer)))
        self.load_balancer_acl: EdgeWebAcl | None = None
        if config.waf.load_balancer_acl:
            self.load_balancer_acl = EdgeWebAcl(
                self,
                "LoadBalancerWebAcl",
                acl_scope="REGIONAL",
                description=f"{config.app_name} {config.qualified_name}: load balancer",
                bot_control=False,  # CloudFront's web ACL already filters bots before the load balancer
                logs_key=net.logs_key,
                **web_acl_settings(config),
            )
            wafv2.CfnWebACLAssociation(
                self,
                "LoadBalancerWebAclAssociation",
                resource_arn=self.load_balancer.load_balancer.load_balancer_arn,
                web_acl_arn=self.load_balancer_acl.web_acl.attr_arn,
            )

        self.site: PrivateBucket | None = None
        self.amplify: AmplifyApp | None = None
        if edge.frontend == "spa":
            self.site = PrivateBucket(
                self,
                "Site",
                purpose="site",
                access_logs=data.access_logs.bucket,
                noncurrent_to_glacier_days=config.storage.noncurrent_versions_to_glacier_days,
                noncurrent_expire_days=config.storage.noncurrent_versions_expire_days,
                removal_policy=removal,
            )
        else:
            self.amplify = AmplifyApp(
                self,
                "Amplify",
                name=name_prefix(config),
                repository=edge.amplify_repository,
                token_secret_name=edge.amplify_token_secret,
                build_spec=AMPLIFY_BUILD_SPEC.read_text(),
                log_retention=log_retention,
                logs_key=net.logs_key,
                removal_policy=removal,
            )

        self.distribution = WebDistribution(
            self,
            "Cdn",
            comment=f"{config.app_name} {config.qualified_name}",
            api=self.load_balancer.origin,
            site_bucket=self.site.bucket if self.site is not None else None,
            uploads_bucket=data.uploads.bucket if data.uploads is not None else None,
            uploads_path=edge.uploads_path,
            domain_name=config.distribution_host_name,
            certificate=edge_global.certificate,
            web_acl_arn=edge_global.web_acl.web_acl.attr_arn,
            content_security_policy=edge.content_security_policy,
            price_class=PRICE_CLASSES[edge.price_class],
            read_timeout=Duration.seconds(edge.origin_read_timeout_seconds),
            keepalive_timeout=Duration.seconds(edge.origin_keepalive_timeout_seconds),
            access_logs=data.access_logs.bucket,
            log_prefix="cloudfront/",
            additional_metrics=config.observability.cdn_additional_metrics,
        )
        self.site_uploader: SiteUploader | None = None
        if self.site is not None:
            self.site_uploader = SiteUploader(
                self,
                "SiteUploader",
                bucket=self.site.bucket,
                distribution=self.distribution.distribution,
                log_retention=log_retention,
                logs_key=net.logs_key,
                removal_policy=removal,
            )
        if zone is not None:
            alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution.distribution))
            route53.ARecord(self, "DistributionRecord", zone=zone, record_name=config.distribution_host_name, target=alias)
            route53.AaaaRecord(self, "DistributionIpv6Record", zone=zone, record_name=config.distribution_host_name, target=alias)

        cdn_url = f"https://{self.distribution.domain_name}"
        self.api_url = f"{cdn_url}/api"
        if self.amplify is not None:
            # Amplify serves the branch on its own domain, and on the custom one when configured.
            branch_url = f"https://{branch_url_prefix(config.amplify_git_branch)}.{self.amplify.default_domain}"
            self.app_origins = ([f"https://{config.host_name}"] if config.host_name else []) + [branch_url]
        else:
            self.app_origins = [cdn_url]
        site_url = self.app_origins[0]

        CfnOutput(self, "SiteUrl", value=site_url, description="Where the frontend is served")
        CfnOutput(self, "ApiUrl", value=self.api_url, description="Base URL of the API (WebSocket: wss://<same host>/ws)")
        CfnOutput(self, "DistributionId", value=self.distribution.distribution.distribution_id)
        CfnOutput(self, "DistributionDomainName", value=self.distribution.distribution.distribution_domain_name)
        if self.site is not None:
            CfnOutput(self, "SiteBucket", value=self.site.bucket.bucket_name,
                      description="The SPA build; the frontend tier uploads into it on every deploy")
        if self.amplify is not None:
            CfnOutput(self, "AmplifyAppId", value=self.amplify.app.attr_app_id)
        CfnOutput(self, "LoadBalancerDnsName", value=self.load_balancer.load_balancer.load_balancer_dns_name)
        CfnOutput(self, "OriginDomainName", value=self.load_balancer.origin.domain_name,
                  description="What CloudFront connects to")
