"""The CloudFront distribution: the SPA from S3, the API's paths from the load balancer."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Annotations, Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_constructs.compliance import acknowledge
from infra_constructs.load_balancer import OriginSettings

# Client-side routes (a last path segment without a dot) get the app shell; files,
# including missing ones, go to S3 as they are. Runs on the SPA behaviour only, so an
# API 404 stays a 404 (a distribution-wide 404 -> index.html rule would make it a 200).
SPA_ROUTING_CODE = """\
function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""

HSTS_MAX_AGE = Duration.days(730)


class WebDistribution(Construct):
    """CloudFront in front of everything the browser talks to.

    Behaviours:
      default          the SPA bucket through Origin Access Control (``site_bucket``), with
                       client-side routing; or, without a site bucket (Amplify hosts the
                       frontend), the load balancer, which refuses what is not API
      ``api_paths``    one behaviour per pattern, in order: the load balancer (through a VPC origin when it is
                       internal), never cached, every viewer header except Host (Authorization included: with
                       caching off CloudFront forwards it), so a WebSocket upgrade reaches the application too
      ``uploads_path`` the data tier's uploads bucket through Origin Access Control, after the API's
                       patterns (CloudFront takes the first that matches; config keeps them apart)
    The SPA's objects are cached as their Cache-Control says (the deployment marks hashed
    assets immutable and index.html no-cache). Every response gets the security headers,
    with ``content_security_policy``. HTTP/2 and HTTP/3, IPv6, TLS 1.2+ to viewers with a
    certificate and to the load balancer, access logs to ``access_logs``.

    Origin timeouts: ``read_timeout`` and ``keepalive_timeout`` must stay below the load
    balancer's idle timeout (validated in config) so CloudFront never reuses a connection
    the load balancer has closed. ``additional_metrics`` subscribes to CloudFront's paid
    additional metrics (cache hit rate, origin latency, per-status error rates).

    Exposes ``distribution``, ``api_origin``, ``headers`` and ``domain_name`` (the custom
    name, or CloudFront's own).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        comment: str,
        api: OriginSettings,
        site_bucket: s3.IBucket | None,
        uploads_bucket: s3.IBucket | None,
        uploads_path: str,
        domain_name: str,
        certificate: acm.ICertificate | None,
        web_acl_arn: str | None,
        content_security_policy: str,
        price_class: cloudfront.PriceClass,
        read_timeout: Duration,
        keepalive_timeout: Duration,
        access_logs: s3.IBucket,
        log_prefix: str,
        additional_metrics: bool,
        api_paths: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        if not api_paths or uploads_path in api_paths:
            raise ValueError("api_paths: at least one path pattern for the API, and not uploads_path")
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment=f"Security headers: {comment}",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
            ),
            remove_headers=["Server", "X-Powered-By"],
        )
        https = api.protocol == "https"
        protocol_policy = cloudfront.OriginProtocolPolicy.HTTPS_ONLY if https else cloudfront.OriginProtocolPolicy.HTTP_ONLY
        https_port, http_port = (api.port, None) if https else (None, api.port)
        self.api_origin: cloudfront.IOrigin
        if api.vpc_origin_target is not None:
            # CloudFront's network interfaces in the load balancer's subnets. With a certificate
            # the origin's name (origin.<host>) is what TLS checks, so it is set rather than the ALB's.
            self.api_origin = origins.VpcOrigin.with_application_load_balancer(
                api.vpc_origin_target, domain_name=api.domain_name, protocol_policy=protocol_policy,
                https_port=https_port, http_port=http_port, origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                read_timeout=read_timeout, keepalive_timeout=keepalive_timeout,
            )
        else:
            assert api.verify_header is not None and api.verify_secret is not None, "an internet-facing origin carries its secret header"
            self.api_origin = origins.HttpOrigin(
                api.domain_name, protocol_policy=protocol_policy,
                https_port=https_port, http_port=http_port, origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                read_timeout=read_timeout, keepalive_timeout=keepalive_timeout,
                # A dynamic reference: the value is resolved by CloudFormation, never in the template.
                custom_headers={api.verify_header: api.verify_secret.secret_value.unsafe_unwrap()},
            )
        api_behavior = cloudfront.BehaviorOptions(
            origin=self.api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.headers,
            compress=False,
        )
        behaviors = {path: api_behavior for path in api_paths}

        if site_bucket is not None:
            routing = cloudfront.Function(
                self,
                "SpaRouting",
                comment=f"Client-side routes to index.html: {comment}"[:128],
                code=cloudfront.FunctionCode.from_inline(SPA_ROUTING_CODE),
                runtime=cloudfront.FunctionRuntime.JS_2_0,
            )
            site_cache = cloudfront.CachePolicy(
                self,
                "SiteCache",
                comment=f"SPA objects, cached as their Cache-Control says: {comment}"[:128],
                min_ttl=Duration.seconds(0),
                default_ttl=Duration.days(1),
                max_ttl=Duration.days(365),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            )
            default_behavior = cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(site_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=site_cache,
                response_headers_policy=self.headers,
                function_associations=[
                    cloudfront.FunctionAssociation(function=routing, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)
                ],
            )
        else:
            default_behavior = api_behavior

        if uploads_bucket is not None and uploads_path:
            # A read-only view: CloudFront must not write its grant into the data tier's
            # bucket policy (that stack comes first; the grant is made there).
            uploads_view = s3.Bucket.from_bucket_attributes(
                self, "UploadsBucket", bucket_arn=uploads_bucket.bucket_arn,
                bucket_regional_domain_name=uploads_bucket.bucket_regional_domain_name,
            )
            behaviors[uploads_path] = cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    uploads_view, origin_access_levels=[cloudfront.AccessLevel.READ]
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
            )
            # The bucket belongs to the data tier, which grants CloudFront read access to this
            # path's prefix in its own bucket policy (a grant from here would be a cycle).
            Annotations.of(self).acknowledge_warning(
                "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
                "The data tier's bucket policy grants CloudFront (this account's distributions) read access to the served prefix.",
            )

        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=comment[:128],
            default_behavior=default_behavior,
            additional_behaviors=behaviors,
            default_root_object="index.html" if site_bucket is not None else None,
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate is not None else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_ipv6=True,
            price_class=price_class,
            web_acl_id=web_acl_arn,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix=log_prefix,
        )
        self.domain_name = domain_name or self.distribution.distribution_domain_name
        if additional_metrics:
            # Cache hit rate, origin latency and error rates by status code (paid per distribution).
            cloudfront.CfnMonitoringSubscription(
                self,
                "AdditionalMetrics",
                distribution_id=self.distribution.distribution_id,
                monitoring_subscription=cloudfront.CfnMonitoringSubscription.MonitoringSubscriptionProperty(
                    realtime_metrics_subscription_config=cloudfront.CfnMonitoringSubscription.RealtimeMetricsSubscriptionConfigProperty(
                        realtime_metrics_subscription_status="Enabled"
                    )
                ),
            )
        acknowledge(self.distribution, {
            "AwsSolutions-CFR1": "The application serves users in every country; there is no geographic restriction to enforce (WAF's rate and IP-reputation rules apply everywhere).",
        })
        if certificate is None:
            acknowledge(self.distribution, {
                "AwsSolutions-CFR4": "No domain is configured, so viewers use CloudFront's own *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; with a domain the distribution requires TLS 1.2 (2021 policy).",
            })
        if not https:
            acknowledge(self.distribution, {
                "AwsSolutions-CFR5": "Without a domain the load balancer has no certificate: CloudFront reaches it over HTTP on port 80 inside AWS's network, "
                                     + ("through a VPC origin to the internal load balancer, which has no public address." if api.vpc_origin_target is not None
                                        else "admitted only from CloudFront's prefix list and only with the origin secret."),
            })
