"""DNS names and certificates of an environment with a domain (Route 53 + ACM).

Functions rather than constructs: each resource is created in the caller's scope under
the ID it was first deployed with. A record that moved under a new construct would get a
new logical ID, and CloudFormation would create the new record before deleting the old
one: Route 53 refuses a second record of the same name, so the update would fail.
"""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct


def dns_validated_certificate(scope: Construct, construct_id: str, *, domain_name: str,
                              zone: route53.IHostedZone) -> acm.Certificate:
    """An ACM certificate for ``domain_name``, validated (and renewed) through ``zone``."""
    return acm.Certificate(scope, construct_id, domain_name=domain_name,
                           validation=acm.CertificateValidation.from_dns(zone))


def load_balancer_alias(scope: Construct, construct_id: str, *, zone: route53.IHostedZone, record_name: str,
                        load_balancer: elbv2.IApplicationLoadBalancer) -> route53.ARecord:
    """``record_name`` -> the load balancer (the name CloudFront connects to, matching its certificate)."""
    return route53.ARecord(scope, construct_id, zone=zone, record_name=record_name,
                           target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(load_balancer)))


def distribution_aliases(scope: Construct, *, zone: route53.IHostedZone, record_name: str,
                         distribution: cloudfront.IDistribution) -> tuple[route53.ARecord, route53.AaaaRecord]:
    """``record_name`` -> the distribution, over IPv4 and IPv6 (CloudFront serves both)."""
    alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(distribution))
    return (route53.ARecord(scope, "DistributionRecord", zone=zone, record_name=record_name, target=alias),
            route53.AaaaRecord(scope, "DistributionIpv6Record", zone=zone, record_name=record_name, target=alias))
