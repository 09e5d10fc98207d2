"""The application load balancer in front of the API, reachable from CloudFront only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_constructs.compliance import acknowledge
from infra_constructs.secrets import generated_secret

# CloudFront adds this header with the origin secret to every origin request; the
# listener forwards nothing without it.
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
# The WebSocket endpoint (Nginx upgrades connections there, boot_script.py). Its patterns keep
# listener rules of their own: the rules predate configurable paths, and a rule replaced or
# renumbered on deploy would collide with the old one's priority.
WEBSOCKET_PATH = "/ws"
# A listener rule's conditions hold at most 5 values and 5 wildcards in all (ALB quotas, not
# adjustable); the origin-secret header takes one value.
RULE_CONDITION_VALUES = 5
RULE_CONDITION_WILDCARDS = 5


@dataclass(frozen=True)
class ForwardRule:
    """One listener rule forwarding ``paths`` to the API: its construct id and priority."""

    name: str
    priority: int
    paths: tuple[str, ...]


def forward_rules(paths: Sequence[str], *, header_values: int) -> tuple[ForwardRule, ...]:
    """The listener rules for ``paths``, in order, each within the ALB's condition quotas
    (``header_values`` taken by other conditions): the WebSocket endpoint's patterns in
    ``WebSocketRule``, ``WebSocketRule2``, ... (priorities 20, 120, ...), the others in
    ``ApiRule``, ``ApiRule2``, ... (10, 110, ...). A rule's id and priority depend only on its
    place, so a longer list adds rules and never renumbers one."""
    rules: list[ForwardRule] = []
    for name, base, group in (("Api", 10, [p for p in paths if not _websocket(p)]), ("WebSocket", 20, [p for p in paths if _websocket(p)])):
        chunks: list[list[str]] = []
        for path in group:
            wildcards = sum(path.count(c) for c in "*?")
            if wildcards > RULE_CONDITION_WILDCARDS:
                raise ValueError(f"the path pattern {path!r} has {wildcards} wildcards; a listener rule takes at most {RULE_CONDITION_WILDCARDS}")
            last = chunks[-1] if chunks else None
            if (last is None or len(last) + 1 + header_values > RULE_CONDITION_VALUES
                    or sum(p.count(c) for p in last for c in "*?") + wildcards > RULE_CONDITION_WILDCARDS):
                chunks.append([path])
            else:
                last.append(path)
        rules += [ForwardRule(f"{name}Rule{index + 1 if index else ''}", base + 100 * index, tuple(chunk)) for index, chunk in enumerate(chunks)]
    return tuple(rules)


def _websocket(path: str) -> bool:
    return path == WEBSOCKET_PATH or path.startswith(WEBSOCKET_PATH + "/")


@dataclass(frozen=True)
class OriginSettings:
    """What the edge tier needs to put CloudFront in front of this load balancer."""

    # DNS name CloudFront connects to: the custom origin name (with a certificate) or the
    # load balancer's own name.
    domain_name: str
    # "https" on 443 when the load balancer has a certificate, else "http" on 80.
    protocol: str
    port: int
    # Idle timeout of the load balancer: CloudFront's origin timeouts must fit inside it.
    idle_timeout: Duration
    # An internal load balancer, which CloudFront reaches through a VPC origin; None when
    # it is internet-facing and CloudFront connects to its public name.
    vpc_origin_target: elbv2.IApplicationLoadBalancer | None
    # Internet-facing only: the header CloudFront must send, and the secret whose value it
    # must carry (any distribution, also someone else's, comes from the prefix list).
    verify_header: str | None
    verify_secret: secretsmanager.ISecret | None


class WebLoadBalancer(Construct):
    """An ALB that serves CloudFront only, internal or internet-facing.

    ``internet_facing=False``: an internal load balancer in ``subnets`` (the app subnets)
    that CloudFront reaches through a VPC origin of the same account; it has no public
    address, so nothing outside the VPC reaches it. Its security groups admit CloudFront's
    origin-facing prefix list, which AWS documents for VPC origins as well.

    ``internet_facing=True``: in the public subnets, with two locks, both needed: the
    security groups admit only CloudFront's origin-facing prefix list (network tier), and
    the listener forwards only requests that carry the generated origin secret in
    ``X-Origin-Verify`` (any CloudFront distribution, also someone else's, comes from that
    prefix list).

    Everything else gets a 403. Only ``api_paths`` (the path patterns CloudFront sends to the
    API) are forwarded at all, by the rules ``api_target_group`` adds (``forward_rules``).

    With ``certificate`` the listener is HTTPS on 443 (current TLS policy) and port 80
    redirects to it; without one (no domain) it is plain HTTP on 80, which CloudFront
    reaches over AWS's network. Access logs go to ``access_logs`` under ``log_prefix``.
    ``regional_web_acl``: the caller associates a regional web ACL as well;
    ``cloudfront_web_acl``: a web ACL sits on the distribution in front of it; without either,
    ``without_web_acl_reason`` says why (the acknowledgment of the findings that leaves).

    Exposes ``load_balancer``, ``listener``, ``origin`` (OriginSettings), ``api_paths`` and,
    internet-facing only, ``origin_secret`` and ``origin_secret_key`` (else None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        internet_facing: bool,
        security_groups: list[ec2.ISecurityGroup],
        certificate: acm.ICertificate | None,
        origin_domain_name: str | None,
        idle_timeout: Duration,
        deletion_protection: bool,
        regional_web_acl: bool,
        cloudfront_web_acl: bool,
        without_web_acl_reason: str,
        access_logs: s3.IBucket,
        log_prefix: str,
        removal_policy: RemovalPolicy,
        api_paths: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        if not api_paths:
            raise ValueError("api_paths: the load balancer must forward at least one path pattern to the API")
        self.api_paths = tuple(api_paths)
        self.origin_secret_key: kms.Key | None = None
        self.origin_secret: secretsmanager.ISecret | None = None
        if internet_facing:
            self.origin_secret_key, self.origin_secret = generated_secret(
                self,
                key_id="OriginSecretKey",
                key_description="Encrypts the CloudFront origin secret",
                secret_id="OriginSecret",
                description=f"Value CloudFront sends in {ORIGIN_VERIFY_HEADER}; the load balancer forwards nothing without it",
                length=48,
                rotation_procedure="The origin secret is copied into CloudFront and the listener rules at deploy time; it is rotated by writing a new value and redeploying the compute and edge tiers (README: Compute), not by a Lambda.",
                removal_policy=removal_policy,
            )

        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            vpc_subnets=subnets,
            internet_facing=internet_facing,
            security_group=security_groups[0],
            idle_timeout=idle_timeout,
            drop_invalid_header_fields=True,
            desync_mitigation_mode=elbv2.DesyncMitigationMode.STRICTEST,
            http2_enabled=True,
            deletion_protection=deletion_protection,
        )
        for group in security_groups[1:]:
            self.load_balancer.add_security_group(group)
        self.load_balancer.log_access_logs(access_logs, log_prefix)
        if not regional_web_acl:
            reachable = ("Internal, reachable only through this account's CloudFront VPC origin" if not internet_facing else
                         "Reachable from CloudFront only: the security group admits the origin-facing prefix list")
            in_front = "WAF sits on the CloudFront distribution (edge tier) in front of it" if cloudfront_web_acl else without_web_acl_reason
            acknowledge(self.load_balancer, {
                rule: f"{reachable}, and {in_front}."
                for rule in ("NIST.800.53.R5-ALBWAFEnabled", "PCI.DSS.321-ALBWAFEnabled")
            })

        if not deletion_protection:
            acknowledge(self.load_balancer, {
                "NIST.800.53.R5-ELBDeletionProtectionEnabled": "Non-production environment: the load balancer holds no data and must be deletable so a teardown leaves nothing behind; production turns deletion protection on.",
            })
        forbidden = elbv2.ListenerAction.fixed_response(403, content_type="text/plain", message_body="Forbidden")
        if certificate is not None:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                default_action=forbidden,
                open=False,
            )
            redirect = self.load_balancer.add_redirect(source_port=80, target_port=443, open=False)
            acknowledge(redirect, {
                rule: "This port-80 listener only answers with a permanent redirect to the HTTPS listener on 443, which carries the ACM certificate; it serves no content."
                for rule in ("NIST.800.53.R5-ELBv2ACMCertificateRequired", "PCI.DSS.321-ELBv2ACMCertificateRequired")
            })
            protocol, port = "https", 443
        else:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, default_action=forbidden, open=False
            )
            acknowledge(self.listener, {
                rule: "No domain is configured, so no certificate exists for the load balancer: CloudFront connects over HTTP on 80 inside AWS's network, "
                      + ("through its VPC origin to this internal load balancer." if not internet_facing else "only from its prefix list, and only with the origin secret.")
                for rule in ("NIST.800.53.R5-ALBHttpToHttpsRedirection", "PCI.DSS.321-ALBHttpToHttpsRedirection",
                         "NIST.800.53.R5-ELBv2ACMCertificateRequired", "PCI.DSS.321-ELBv2ACMCertificateRequired")
            })
            protocol, port = "http", 80
        self.origin = OriginSettings(
            domain_name=origin_domain_name or self.load_balancer.load_balancer_dns_name,
            protocol=protocol,
            port=port,
            idle_timeout=idle_timeout,
            vpc_origin_target=None if internet_facing else self.load_balancer,
            verify_header=ORIGIN_VERIFY_HEADER if self.origin_secret is not None else None,
            verify_secret=self.origin_secret,
        )

    def api_target_group(
        self,
        scope: Construct,
        *,
        vpc: ec2.IVpc,
        port: int,
        target_type: elbv2.TargetType,
        health_check_path: str,
        stickiness: Duration | None,
        deregistration_delay: Duration,
    ) -> elbv2.ApplicationTargetGroup:
        """The API's target group and its listener rules, created in ``scope`` and receiving ``api_paths``: HTTP on
        ``port``, healthy after two 200s on ``health_check_path`` 30 s apart, out after three misses."""
        target_group = elbv2.ApplicationTargetGroup(
            scope,
            "TargetGroup",
            vpc=vpc,
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=target_type,
            deregistration_delay=deregistration_delay,
            stickiness_cookie_duration=stickiness,
            health_check=elbv2.HealthCheck(path=health_check_path, healthy_http_codes="200",
                                           interval=Duration.seconds(30), healthy_threshold_count=2, unhealthy_threshold_count=3),
        )
        self._forward_edge_paths(scope, target_group)
        return target_group

    def _forward_edge_paths(self, scope: Construct, target_group: elbv2.IApplicationTargetGroup) -> None:
        """Forward ``api_paths`` to ``target_group`` (internet-facing: only when the origin secret
        matches) in the rules of ``forward_rules``, created in ``scope``, with the target group and its service."""
        verified = ([] if self.origin_secret is None else
                    [elbv2.ListenerCondition.http_header(ORIGIN_VERIFY_HEADER, [self.origin_secret.secret_value.unsafe_unwrap()])])
        for spec in forward_rules(self.api_paths, header_values=len(verified)):
            elbv2.ApplicationListenerRule(
                scope,
                spec.name,
                listener=self.listener,
                priority=spec.priority,
                conditions=[elbv2.ListenerCondition.path_patterns(list(spec.paths)), *verified],
                action=elbv2.ListenerAction.forward([target_group]),
            )
