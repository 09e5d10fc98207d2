"""Edge tier: everything between the internet and the application."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_cloudfront as cloudfront
from constructs import Construct

from config.derived import name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.amplify_hosting import AmplifyApp, branch_url_prefix
from infra_constructs.buckets import PrivateBucket
from infra_constructs.compliance import acknowledge
from infra_constructs.distribution import WebDistribution
from infra_constructs.dns import distribution_aliases, dns_validated_certificate, load_balancer_alias
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.security_groups import immutable_view
from infra_constructs.site_deployment import SiteUploader
from infra_constructs.web_acl import EdgeWebAcl, associate_web_acl
from stacks.base import EnvironmentStack
from stacks.handoffs import DataHandoff, EdgeGlobalHandoff, EdgeHandoff, NetworkHandoff
from stacks.settings import configured_zone, guardrail_reason, stateful_removal, web_acl_rules

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

    Exposes ``load_balancer``, ``load_balancer_acl`` (or None), ``cdn``, ``site`` and
    ``site_uploader`` (or None), ``amplify`` (or None); the later tiers take ``handoff``
    (``EdgeHandoff``: among others the https origins the frontend is served from, which
    the auth tier adds to its callback URLs, and the API's URL).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkHandoff,
        data: DataHandoff,
        edge_global: EdgeGlobalHandoff,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        edge, compute = config.edge, config.compute
        groups = network.security_groups
        removal = stateful_removal(config)

        zone = None
        origin_certificate, origin_name = None, None
        if config.host_name:
            zone = configured_zone(self, config)
            origin_name = f"origin.{config.host_name}"
            origin_certificate = dns_validated_certificate(self, "OriginCertificate", domain_name=origin_name, zone=zone)
        internet_facing = edge.api_origin == "internet-facing"
        load_balancer_groups = [immutable_view(self, "LoadBalancerSecurityGroup", groups.load_balancer)]
        if groups.load_balancer_redirect is not None:
            load_balancer_groups.append(immutable_view(self, "LoadBalancerRedirectSecurityGroup", groups.load_balancer_redirect))
        self.load_balancer = WebLoadBalancer(
            self,
            "LoadBalancer",
            vpc=network.vpc,
            subnets=network.public_subnets if internet_facing else network.app_subnets,
            internet_facing=internet_facing,
            security_groups=load_balancer_groups,
            certificate=origin_certificate,
            origin_domain_name=origin_name,
            idle_timeout=Duration.seconds(compute.idle_timeout_seconds),
            deletion_protection=config.production,
            regional_web_acl=config.waf.load_balancer_acl,
            cloudfront_web_acl=edge_global.web_acl_arn is not None,
            without_web_acl_reason=guardrail_reason(
                config, "waf.required-in-production",
                outside_production="this non-production environment runs without a web ACL by configuration (waf.mode 'off'; production refuses it)"),
            access_logs=data.access_logs,
            log_prefix="load-balancer",
            removal_policy=removal,
            api_paths=edge.api_paths,
        )
        if zone is not None and origin_name:
            load_balancer_alias(self, "OriginRecord", zone=zone, record_name=origin_name,
                                load_balancer=self.load_balancer.load_balancer)
        self.load_balancer_acl: EdgeWebAcl | None = None
        if config.waf.load_balancer_acl:
            self.load_balancer_acl = EdgeWebAcl(
                self,
                "LoadBalancerWebAcl",
                acl_scope="REGIONAL",
                description=f"{config.app_name} {config.qualified_name}: load balancer",
                bot_control=False,  # CloudFront's web ACL already filters bots before the load balancer
                rules=web_acl_rules(config),
                logs=network.logs,
            )
            associate_web_acl(self, "LoadBalancerWebAclAssociation", web_acl=self.load_balancer_acl,
                              resource_arn=self.load_balancer.load_balancer.load_balancer_arn)

        self.site: PrivateBucket | None = None
        self.amplify: AmplifyApp | None = None
        if edge.frontend == "spa":
            self.site = PrivateBucket(
                self,
                "Site",
                purpose="site",
                access_logs=data.access_logs,
                noncurrent_to_glacier_days=config.storage.noncurrent_versions_to_glacier_days,
                noncurrent_expire_days=config.storage.noncurrent_versions_expire_days,
                # The site's files are read on every cache miss: they stay in Standard.
                intelligent_tiering_days=0,
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
                logs=network.logs,
            )

        self.cdn = WebDistribution(
            self,
            "Cdn",
            comment=f"{config.app_name} {config.qualified_name}",
            api=self.load_balancer.origin,
            site_bucket=self.site.bucket if self.site is not None else None,
            uploads_bucket=data.uploads,
            uploads_path=edge.uploads_path,
            api_paths=edge.api_paths,
            domain_name=config.distribution_host_name,
            certificate=edge_global.certificate,
            web_acl_arn=edge_global.web_acl_arn,
            content_security_policy=edge.content_security_policy,
            price_class=PRICE_CLASSES[edge.price_class],
            read_timeout=Duration.seconds(edge.origin_read_timeout_seconds),
            keepalive_timeout=Duration.seconds(edge.origin_keepalive_timeout_seconds),
            access_logs=data.access_logs,
            log_prefix="cloudfront/",
            additional_metrics=config.observability.cdn_additional_metrics,
        )
        if edge_global.web_acl_arn is None:
            acknowledge(self.cdn.distribution, {
                "AwsSolutions-CFR2": guardrail_reason(
                    config, "waf.required-in-production",
                    outside_production="Non-production environment without a web ACL by configuration (waf.mode 'off', docs/decisions.md: $5 a month "
                                       "plus $1 per rule); production refuses it. CloudFront's Shield Standard still applies, and the API behind it "
                                       "requires a signed-in user."),
            })
        self.site_uploader: SiteUploader | None = None
        if self.site is not None:
            self.site_uploader = SiteUploader(
                self,
                "SiteUploader",
                bucket=self.site.bucket,
                distribution=self.cdn.distribution,
                logs=network.logs,
            )
        if zone is not None:
            distribution_aliases(self, zone=zone, record_name=config.distribution_host_name,
                                 distribution=self.cdn.distribution)

        cdn_url = f"https://{self.cdn.domain_name}"
        api_url = f"{cdn_url}/api"
        if self.amplify is not None:
            # Amplify serves the branch on its own domain, and on the custom one when configured.
            branch_url = f"https://{branch_url_prefix(config.amplify_git_branch)}.{self.amplify.default_domain}"
            app_origins = ([f"https://{config.host_name}"] if config.host_name else []) + [branch_url]
        else:
            app_origins = [cdn_url]
        site_url = app_origins[0]
        self.handoff = EdgeHandoff(
            load_balancer=self.load_balancer,
            distribution=self.cdn.distribution,
            site_bucket=self.site.bucket if self.site is not None else None,
            site_uploader=self.site_uploader,
            amplify=self.amplify,
            app_origins=tuple(app_origins),
            api_url=api_url,
        )

        CfnOutput(self, "SiteUrl", value=site_url, description="Where the frontend is served")
        CfnOutput(self, "ApiUrl", value=api_url, description="Base URL of the API (WebSocket: wss://<same host>/ws)")
        CfnOutput(self, "DistributionId", value=self.cdn.distribution.distribution_id)
        CfnOutput(self, "DistributionDomainName", value=self.cdn.distribution.distribution_domain_name)
        if self.site is not None:
            CfnOutput(self, "SiteBucket", value=self.site.bucket.bucket_name,
                      description="The SPA build; the frontend tier uploads into it on every deploy")
        if self.amplify is not None:
            CfnOutput(self, "AmplifyAppId", value=self.amplify.app.attr_app_id)
        CfnOutput(self, "LoadBalancerDnsName", value=self.load_balancer.load_balancer.load_balancer_dns_name)
        CfnOutput(self, "OriginDomainName", value=self.load_balancer.origin.domain_name,
                  description="What CloudFront connects to")
