"""The security groups every tier uses, with least-privilege rules between them.

All groups and all rules between them live in one construct (in the network stack),
so no rule ever has to reference a group in another stack and no tier can widen
another tier's access by accident.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

HTTPS = ec2.Port.tcp(443)


def immutable_view(scope: Construct, construct_id: str, group: ec2.ISecurityGroup) -> ec2.ISecurityGroup:
    """``group`` as seen from another stack, where nothing can add rules to it: every
    rule between tiers is written in ``WorkloadSecurityGroups``, so constructs that
    would add their own (RDS, rotation) cannot make the network stack depend on theirs."""
    return ec2.SecurityGroup.from_security_group_id(scope, construct_id, group.security_group_id, mutable=False)


class WorkloadSecurityGroups(Construct):
    """Security groups for the load balancer, application, database, VPC endpoints,
    bastion and in-VPC functions (migrations, Cognito trigger, secret rotation).

    Traffic allowed, nothing else:
      CloudFront origin-facing prefix list -> load balancer   on ``load_balancer_port``
          (and on 80, to be redirected, with ``redirect_http``)
      load balancer -> application                          on ``app_port``
      application, functions, bastion -> database           on ``database_port``
      application, functions, bastion -> VPC endpoints      on 443
      application, functions, bastion -> anywhere           on 443 (AWS APIs via NAT or
          endpoints; where egress is "none" the route tables leave only endpoints and S3)
      application -> cache                                  on ``cache_port`` (when given)
    The database, endpoints and cache groups have no egress at all. The bastion group exists
    only with ``bastion``: a group nobody wears but that reaches the database would let
    anyone allowed to attach it to an instance reach the database too.
    Exposes each group (``bastion``, ``cache`` and ``load_balancer_redirect`` or None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        app_port: int,
        database_port: int,
        load_balancer_port: int,
        redirect_http: bool,
        cloudfront_origin_prefix_list_id: str,
        cache_port: int | None,
        bastion: bool,
    ) -> None:
        super().__init__(scope, construct_id)

        def group(name: str, description: str) -> ec2.SecurityGroup:
            return ec2.SecurityGroup(self, name, vpc=vpc, description=description, allow_all_outbound=False)

        self.load_balancer = group("LoadBalancer", "Application load balancer: reachable from CloudFront only")
        self.application = group("Application", "Application tasks or instances behind the load balancer")
        self.database = group("Database", "PostgreSQL: reachable from the application, functions and bastion")
        self.endpoints = group("Endpoints", "Interface VPC endpoints: HTTPS from workloads in the VPC")
        self.bastion: ec2.SecurityGroup | None = None
        if bastion:
            self.bastion = group("Bastion", "SSM Session Manager bastion: no inbound rules")
        self.functions = group("Functions", "Lambda functions in the VPC (migrations, triggers, rotation)")
        # Only when the Redis cache is enabled: reachable from the application alone, no egress.
        self.cache: ec2.SecurityGroup | None = None
        if cache_port is not None:
            self.cache = group("Cache", "Redis: reachable from the application only")
            self.cache.add_ingress_rule(self.application, ec2.Port.tcp(cache_port), "Redis from the application")
            self.application.add_egress_rule(self.cache, ec2.Port.tcp(cache_port), "Redis")

        self.load_balancer.add_ingress_rule(
            ec2.Peer.prefix_list(cloudfront_origin_prefix_list_id),
            ec2.Port.tcp(load_balancer_port),
            "From CloudFront origin-facing servers only",
        )
        # With HTTPS on 443, port 80 answers with a redirect. A second group, because one
        # prefix-list reference counts as ~55 of the 60 rules a group may hold.
        self.load_balancer_redirect: ec2.SecurityGroup | None = None
        if redirect_http:
            self.load_balancer_redirect = group("LoadBalancerRedirect", "Application load balancer: HTTP to HTTPS redirect for CloudFront")
            self.load_balancer_redirect.add_ingress_rule(
                ec2.Peer.prefix_list(cloudfront_origin_prefix_list_id), ec2.Port.tcp(80),
                "HTTP from CloudFront origin-facing servers, redirected to HTTPS",
            )
        self.load_balancer.add_egress_rule(self.application, ec2.Port.tcp(app_port), "To the application and its health check")
        self.application.add_ingress_rule(self.load_balancer, ec2.Port.tcp(app_port), "From the load balancer")

        clients = [(self.application, "application"), (self.functions, "functions")]
        if self.bastion is not None:
            clients.append((self.bastion, "bastion"))
        for client, name in clients:
            self.database.add_ingress_rule(client, ec2.Port.tcp(database_port), f"PostgreSQL from the {name}")
            client.add_egress_rule(self.database, ec2.Port.tcp(database_port), "PostgreSQL")
            self.endpoints.add_ingress_rule(client, HTTPS, f"HTTPS from the {name}")
            client.add_egress_rule(ec2.Peer.any_ipv4(), HTTPS, "HTTPS to AWS APIs (through NAT or VPC endpoints)")
