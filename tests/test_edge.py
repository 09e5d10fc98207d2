"""Assertions on the edge tier: CloudFront, the SPA bucket and its upload, WAF, certificates
and DNS, Amplify Hosting, and the hand-off of the site's origins to the auth tier."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest

from infra_constructs.distribution import SPA_ROUTING_CODE
from tests import conftest

edge_resources = partial(conftest.resources, tier="edge")
edge_one = partial(conftest.one, tier="edge")
global_one = partial(conftest.one, tier="edge-global")
frontend_resources = partial(conftest.resources, tier="frontend")

ROOT = Path(__file__).resolve().parent.parent
SPA = ["dev", "staging", "prod", "dev-branch", "domain-3az", "eu-domain", "chronoview-prod", "bankapp-dev"]
AMPLIFY = ["spendwise-dev", "stockpilot-dev"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def _distribution(synth) -> dict:
    _, distribution = edge_one(synth, "AWS::CloudFront::Distribution")
    return distribution["Properties"]["DistributionConfig"]


def _behaviors(synth) -> dict[str, dict]:
    config = _distribution(synth)
    return {"default": config["DefaultCacheBehavior"], **{b["PathPattern"]: b for b in config["CacheBehaviors"]}}


def _origin(synth, behavior: dict) -> dict:
    return next(o for o in _distribution(synth)["Origins"] if o["Id"] == behavior["TargetOriginId"])


def _output_of(value, stack_name: str) -> str:
    """The output name a weak reference reads from ``stack_name`` (fails if it is not one)."""
    reference = value["Fn::GetStackOutput"]
    assert reference["StackName"] == stack_name
    return reference["OutputName"]


# ---------------------------------------------------------------- SPA bucket


@pytest.mark.parametrize("variant", SPA)
def test_spa_bucket_is_private_and_read_only_through_origin_access_control(synthesized, variant):
    synth = synthesized[variant]
    bucket_id, bucket = edge_one(synth, "AWS::S3::Bucket")
    p = bucket["Properties"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True
    }
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = p["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == synth.config.storage.noncurrent_versions_expire_days
    assert p["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}

    _, policy = edge_one(synth, "AWS::S3::BucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
    allows = [s for s in statements if s["Effect"] == "Allow"]
    # A destroyable environment's bucket is emptied on deletion by CDK's provider: its role may
    # delete and list this bucket's objects and replace its policy (to stop writes), on this bucket only.
    emptier = [s for s in allows if "AWS" in s["Principal"]]
    if synth.config.removal == "destroy":
        assert emptier == [{
            "Action": ["s3:DeleteObject*", "s3:GetBucket*", "s3:List*", "s3:PutBucketPolicy"], "Effect": "Allow",
            "Principal": {"AWS": {"Fn::GetAtt": ["CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092", "Arn"]}},
            "Resource": [{"Fn::GetAtt": [bucket_id, "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]}],
        }]
        allows = [s for s in allows if s not in emptier]
    else:
        assert emptier == []
    # Only CloudFront, only this distribution, only reads: no OAI, no public principal.
    distribution_id, _ = edge_one(synth, "AWS::CloudFront::Distribution")
    assert [s["Principal"] for s in allows] == [{"Service": "cloudfront.amazonaws.com"}]
    assert allows[0]["Action"] == "s3:GetObject"
    assert distribution_id in json.dumps(allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert not edge_resources(synth, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    site_origin = _origin(synth, _behaviors(synth)["default"])
    assert site_origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    assert site_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""} and "OriginAccessControlId" in site_origin
    _, oac = edge_one(synth, "AWS::CloudFront::OriginAccessControl")
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"


# ---------------------------------------------------------------- behaviours


@pytest.mark.parametrize("variant", SPA + AMPLIFY)
def test_api_and_websocket_go_uncached_to_the_load_balancer_with_every_header_but_host(synthesized, variant):
    """One behaviour per pattern of edge.api_paths, in its order, ahead of the uploads path."""
    synth = synthesized[variant]
    behaviors = _behaviors(synth)
    api_paths = synth.config.edge.api_paths
    uploads = [synth.config.edge.uploads_path] if synth.config.edge.uploads_path else []
    assert [b["PathPattern"] for b in _distribution(synth)["CacheBehaviors"]] == [*api_paths, *uploads]
    for path in api_paths:
        b = behaviors[path]
        assert b["CachePolicyId"] == CACHING_DISABLED
        # Authorization included: with caching disabled CloudFront forwards it under this policy.
        assert b["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
        assert b["ViewerProtocolPolicy"] == "https-only"
        assert set(b["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
        assert "FunctionAssociations" not in b  # API 404s stay 404s
    assert len({behaviors[p]["TargetOriginId"] for p in api_paths}) == 1
    origin = _origin(synth, behaviors[api_paths[0]])
    idle = synth.config.compute.idle_timeout_seconds
    if synth.config.edge.api_origin == "vpc-origin":
        # The distribution holds the timeouts; the VPC origin the protocol, port and TLS versions.
        timeouts = origin["VpcOriginConfig"]
        vpc_origin_id = timeouts["VpcOriginId"]["Fn::GetAtt"][0]
        custom = edge_resources(synth, "AWS::CloudFront::VpcOrigin")[vpc_origin_id]["Properties"]["VpcOriginEndpointConfig"]
        (load_balancer_id,) = edge_resources(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert custom["Arn"] == {"Ref": load_balancer_id}
        assert "CustomOriginConfig" not in origin and "OriginCustomHeaders" not in origin  # no secret header to send
    else:
        custom = timeouts = origin["CustomOriginConfig"]
        (header,) = origin["OriginCustomHeaders"]
        secret_id, _ = edge_one(synth, "AWS::SecretsManager::Secret")
        assert header == {"HeaderName": "X-Origin-Verify", "HeaderValue": {
            "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]}}
    # CloudFront must never reuse a connection the load balancer has already closed.
    assert timeouts["OriginKeepaliveTimeout"] < idle and timeouts["OriginReadTimeout"] <= idle
    assert custom["OriginSSLProtocols"] == ["TLSv1.2"]
    if synth.config.host_name:
        assert custom["OriginProtocolPolicy"] == "https-only" and custom["HTTPSPort"] == 443
        assert origin["DomainName"] == f"origin.{synth.config.host_name}"
    else:
        assert custom["OriginProtocolPolicy"] == "http-only" and custom["HTTPPort"] == 80
        assert origin["DomainName"]["Fn::GetAtt"][1] == "DNSName"


@pytest.mark.parametrize("variant", SPA)
def test_spa_default_behaviour_routes_client_side_paths_and_caches_by_cache_control(synthesized, variant):
    synth = synthesized[variant]
    default = _behaviors(synth)["default"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https" and default["Compress"] is True
    (association,) = default["FunctionAssociations"]
    function_id = association["FunctionARN"]["Fn::GetAtt"][0]
    assert association["EventType"] == "viewer-request"
    function = edge_resources(synth, "AWS::CloudFront::Function")[function_id]["Properties"]
    assert function["FunctionCode"] == SPA_ROUTING_CODE
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    cache = edge_resources(synth, "AWS::CloudFront::CachePolicy")[default["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    # Honour the objects' Cache-Control: immutable assets for a year, index.html revalidated.
    assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 86400, 31536000)
    config = _distribution(synth)
    assert config["DefaultRootObject"] == "index.html"
    # No distribution-wide error rewrite: it would turn API errors into 200s.
    assert "CustomErrorResponses" not in config


@pytest.mark.skipif(shutil.which("node") is None, reason="node is installed by `make deps`")
def test_spa_routing_function_sends_routes_to_index_and_files_through():
    script = SPA_ROUTING_CODE + """
const cases = ['/', '/dashboard', '/orders/42', '/orders/42/', '/index.html', '/assets/app-3f9a1c.js',
               '/favicon.ico', '/missing.png', '/.well-known/thing'];
console.log(JSON.stringify(cases.map(u => handler({request: {uri: u}}).uri)));
"""
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [
        "/index.html", "/index.html", "/index.html", "/index.html", "/index.html", "/assets/app-3f9a1c.js",
        "/favicon.ico", "/missing.png", "/index.html",
    ]


@pytest.mark.parametrize("variant", AMPLIFY)
def test_amplify_distribution_serves_the_api_only(synthesized, variant):
    synth = synthesized[variant]
    behaviors = _behaviors(synth)
    # The default goes to the load balancer too, which refuses whatever is not API.
    assert behaviors["default"]["TargetOriginId"] == behaviors[synth.config.edge.api_paths[0]]["TargetOriginId"]
    assert behaviors["default"]["CachePolicyId"] == CACHING_DISABLED
    assert not edge_resources(synth, "AWS::S3::Bucket") and not frontend_resources(synth, "Custom::CDKBucketDeployment")
    assert "DefaultRootObject" not in _distribution(synth)


def test_uploads_served_read_only_from_the_data_tier_bucket(synthesized):
    synth = synthesized["stockpilot-dev"]
    uploads = _behaviors(synth)["/products/*"]
    # Beside the API's /products route: an image under /products/ never matches an API pattern.
    assert _behaviors(synth)["/products"]["TargetOriginId"] != uploads["TargetOriginId"]
    assert "/products/*" not in synth.config.edge.api_paths
    assert uploads["CachePolicyId"] == CACHING_OPTIMIZED and uploads["ViewerProtocolPolicy"] == "redirect-to-https"
    origin = _origin(synth, uploads)
    assert "UploadsBucket" in _output_of(origin["DomainName"], synth.stack_names["data"])
    assert "OriginAccessControlId" in origin
    # The grant sits in the data tier's bucket policy: CloudFront, this account, the served prefix only.
    policies = conftest.resources(synth, "AWS::S3::BucketPolicy", tier="data")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
                  if s.get("Sid") == "CloudFrontReadsServedPrefix"]
    (statement,) = statements
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"} and statement["Action"] == "s3:GetObject"
    assert statement["Resource"]["Fn::Join"][1][-1] == "/products/*"
    assert statement["Condition"]["StringEquals"] == {"AWS:SourceAccount": "111111111111"}
    assert statement["Condition"]["ArnLike"] == {"AWS:SourceArn": "arn:aws:cloudfront::111111111111:distribution/*"}
    # Without an uploads path nothing is granted.
    dev_policies = conftest.resources(synthesized["dev"], "AWS::S3::BucketPolicy", tier="data")
    assert "CloudFrontReadsServedPrefix" not in json.dumps(dev_policies)


@pytest.mark.parametrize("variant", SPA + AMPLIFY)
def test_security_headers_on_every_behaviour(synthesized, variant):
    synth = synthesized[variant]
    policy_id, policy = edge_one(synth, "AWS::CloudFront::ResponseHeadersPolicy")
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Override": True
    }
    assert security["ContentSecurityPolicy"] == {"ContentSecurityPolicy": synth.config.edge.content_security_policy, "Override": True}
    assert "frame-ancestors 'none'" in synth.config.edge.content_security_policy
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True}
    assert {h["Header"] for h in config["RemoveHeadersConfig"]["Items"]} == {"Server", "X-Powered-By"}
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": policy_id} for b in _behaviors(synth).values())


@pytest.mark.parametrize("variant, price_class", [("staging", "PriceClass_100"), ("prod", "PriceClass_All")])
def test_distribution_protocols_logging_price_class_and_web_acl(synthesized, variant, price_class):
    synth = synthesized[variant]
    config = _distribution(synth)
    assert config["HttpVersion"] == "http2and3" and config["IPV6Enabled"] is True
    assert config["PriceClass"] == price_class
    assert config["Logging"]["Prefix"] == "cloudfront/"
    assert "AccessLogsBucket" in _output_of(config["Logging"]["Bucket"], synth.stack_names["data"])
    assert "WebAcl" in _output_of(config["WebACLId"], synth.stack_names["edge-global"])
    # No domain: CloudFront's own certificate (the default, so no viewer certificate is set).
    assert "ViewerCertificate" not in config and "Aliases" not in config


# ---------------------------------------------------------------- domain, certificates, cross-region


@pytest.mark.parametrize("variant, host, zone", [
    ("domain-3az", "staging.example.com", "Z0123456789ABCDEFGHIJ"),
    ("eu-domain", "app.example.eu", "Z0EU3456789ABCDEFGHIJ"),
    ("spendwise-dev", "api.dev.spendwise.example.com", "Z0SPENDWISE0000000001"),
])
def test_certificates_in_the_right_regions_and_alias_records(synthesized, variant, host, zone):
    synth = synthesized[variant]
    # CloudFront's certificate: us-east-1, whatever the application's region.
    assert synth.regions["edge-global"] == "us-east-1"
    assert synth.regions["edge"] == synth.config.region
    cert_id, cert = global_one(synth, "AWS::CertificateManager::Certificate")
    assert cert["Properties"]["DomainName"] == host and cert["Properties"]["ValidationMethod"] == "DNS"
    assert cert["Properties"]["DomainValidationOptions"] == [{"DomainName": host, "HostedZoneId": zone}]
    config = _distribution(synth)
    assert config["Aliases"] == [host]
    viewer = config["ViewerCertificate"]
    assert f"Ref{cert_id}" in _output_of(viewer["AcmCertificateArn"], synth.stack_names["edge-global"])
    assert viewer["AcmCertificateArn"]["Fn::GetStackOutput"]["Region"] == "us-east-1"
    assert (viewer["MinimumProtocolVersion"], viewer["SslSupportMethod"]) == ("TLSv1.2_2021", "sni-only")
    # The load balancer's certificate: in the application's region, next to it.
    _, origin_cert = edge_one(synth, "AWS::CertificateManager::Certificate")
    assert origin_cert["Properties"]["DomainName"] == f"origin.{synth.config.host_name}"
    records = {(r["Properties"]["Name"], r["Properties"]["Type"]): r["Properties"]
               for r in edge_resources(synth, "AWS::Route53::RecordSet").values()}
    distribution_id, _ = edge_one(synth, "AWS::CloudFront::Distribution")
    for record_type in ("A", "AAAA"):
        alias = records[(f"{host}.", record_type)]["AliasTarget"]
        assert alias["HostedZoneId"]["Fn::FindInMap"][0] == "AWSCloudFrontPartitionHostedZoneIdMap"  # CloudFront's zone
        assert alias["DNSName"] == {"Fn::GetAtt": [distribution_id, "DomainName"]}
    assert records[(f"origin.{synth.config.host_name}.", "A")]


def test_cross_region_references_are_weak_and_read_from_us_east_1(synthesized):
    synth = synthesized["eu-domain"]
    text = json.dumps(synth.templates["edge"])
    # No exports, no ExportsReader custom resource: weak references only.
    assert "Fn::ImportValue" not in text and "Custom::CrossRegionExportReader" not in text
    global_outputs = synth.templates["edge-global"]["Outputs"]
    assert not any("Export" in o for o in global_outputs.values())
    config = _distribution(synth)
    for value in (config["WebACLId"], config["ViewerCertificate"]["AcmCertificateArn"]):
        assert value["Fn::GetStackOutput"]["Region"] == "us-east-1"
        assert value["Fn::GetStackOutput"]["OutputName"] in global_outputs


@pytest.mark.parametrize("variant", ["dev", "staging", "prod", "dev-branch"])
def test_without_a_domain_no_certificate_and_no_records(synthesized, variant):
    synth = synthesized[variant]
    if "edge-global" in synth.templates:  # dev's has neither a web ACL nor a certificate: no stack
        assert not conftest.resources(synth, "AWS::CertificateManager::Certificate", tier="edge-global")
    assert not edge_resources(synth, "AWS::CertificateManager::Certificate")
    assert not edge_resources(synth, "AWS::Route53::RecordSet")


# ---------------------------------------------------------------- WAF


@pytest.mark.parametrize("variant", ["dev", "dev-branch"])
def test_without_a_web_acl_dev_has_no_edge_global_stack_and_says_why(synthesized, variant):
    """waf.mode "off" (dev, and the branch environments off it): no web ACL in either region, no
    us-east-1 stack (it would hold nothing), a distribution without WebACLId whose cdk-nag
    acknowledgment gives the reason, and the load balancer's no longer claims WAF in front of it."""
    synth = synthesized[variant]
    assert synth.config.waf.mode == "off"
    assert "edge-global" not in synth.templates
    assert not any(r["Type"].startswith("AWS::WAFv2::") for t in synth.templates.values() for r in t["Resources"].values())
    (_, distribution) = edge_one(synth, "AWS::CloudFront::Distribution")
    assert "WebACLId" not in distribution["Properties"]["DistributionConfig"]
    acknowledged = {a["id"]: a["reason"] for a in distribution["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert "waf.mode 'off'" in acknowledged["AwsSolutions-CFR2"]
    (_, balancer) = edge_one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    reasons = {a["id"]: a["reason"] for a in balancer["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert "WAF sits on" not in reasons["NIST.800.53.R5-ALBWAFEnabled"] and "waf.mode 'off'" in reasons["NIST.800.53.R5-ALBWAFEnabled"]


@pytest.mark.parametrize("variant, rate_limit, count_only, bot_control", [
    ("staging", 1000, False, False), ("prod", 2000, False, False),
    ("eu-domain", 1000, True, True),
])
def test_web_acl_rules_in_order_with_the_environment_limits(synthesized, variant, rate_limit, count_only, bot_control):
    synth = synthesized[variant]
    acl_id, acl = global_one(synth, "AWS::WAFv2::WebACL")
    p = acl["Properties"]
    assert p["Scope"] == "CLOUDFRONT" and p["DefaultAction"] == {"Allow": {}}
    rules = sorted(p["Rules"], key=lambda r: r["Priority"])
    expected = ["AWSManagedRulesAmazonIpReputationList", "RateLimitPerIp", "AWSManagedRulesCommonRuleSet",
                "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"]
    expected += ["AWSManagedRulesBotControlRuleSet"] if bot_control else []
    assert [r["Name"] for r in rules] == expected
    assert [r["Priority"] for r in rules] == list(range(len(expected)))
    rate = rules[1]
    assert rate["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "EvaluationWindowSec": 300, "Limit": rate_limit}
    managed = [r for r in rules if "ManagedRuleGroupStatement" in r["Statement"]]
    assert all(r["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS" for r in managed)
    if count_only:
        assert rate["Action"] == {"Count": {}}
        assert all(r["OverrideAction"] == {"Count": {}} for r in managed)
    else:
        assert rate["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 429}}}
        assert all(r["OverrideAction"] == {"None": {}} for r in managed)
    assert all(r["VisibilityConfig"]["CloudWatchMetricsEnabled"] and r["VisibilityConfig"]["SampledRequestsEnabled"] for r in rules)

    # Logged, with retention, encrypted, credentials redacted.
    _, logging = global_one(synth, "AWS::WAFv2::LoggingConfiguration")
    lp = logging["Properties"]
    assert lp["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert lp["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}, {"SingleHeader": {"Name": "cookie"}}]
    _, group = global_one(synth, "AWS::Logs::LogGroup")
    name = group["Properties"]["LogGroupName"]
    assert name.startswith("aws-waf-logs-") and name in json.dumps(lp["LogDestinationConfigs"])
    assert group["Properties"]["RetentionInDays"] == synth.config.log_retention_days
    assert "KmsKeyId" in group["Properties"]


def test_regional_web_acl_on_the_load_balancer_only_where_configured(synthesized):
    synth = synthesized["eu-domain"]
    acl_id, acl = edge_one(synth, "AWS::WAFv2::WebACL")
    assert acl["Properties"]["Scope"] == "REGIONAL"
    _, association = edge_one(synth, "AWS::WAFv2::WebACLAssociation")
    alb_id, _ = edge_one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert association["Properties"] == {"ResourceArn": {"Ref": alb_id}, "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]}}
    for variant in ("dev", "prod"):
        assert not edge_resources(synthesized[variant], "AWS::WAFv2::WebACL")


# ---------------------------------------------------------------- frontend deployment


def _deployments(synth) -> dict[str, dict]:
    return frontend_resources(synth, "Custom::CDKBucketDeployment")


@pytest.mark.parametrize("variant", SPA)
def test_site_upload_assets_first_then_entry_points_with_invalidation(synthesized, variant):
    synth = synthesized[variant]
    deployments = _deployments(synth)
    assets_id = next(k for k in deployments if "Assets" in k)
    entry_id = next(k for k in deployments if "EntryPoints" in k)
    assets, entry = deployments[assets_id]["Properties"], deployments[entry_id]["Properties"]
    assert assets["Prune"] is True and assets["Exclude"] == ["index.html", "config.json"]
    assert assets["SystemMetadata"] == {"cache-control": "public, max-age=31536000, immutable"}
    assert entry["Prune"] is False and entry["SystemMetadata"] == {"cache-control": "no-cache"}
    assert entry["DistributionPaths"] == ["/index.html", "/config.json"]
    assert "CdnDistribution" in _output_of(entry["DistributionId"], synth.stack_names["edge"])
    assert assets_id in deployments[entry_id]["DependsOn"]
    for props in (assets, entry):
        assert "SiteBucket" in json.dumps(props["DestinationBucketName"])
    # Runs as the edge tier's uploader: no role or inline policy of its own in this stack.
    assert not frontend_resources(synth, "AWS::IAM::Role") and not frontend_resources(synth, "AWS::IAM::Policy")
    (function,) = frontend_resources(synth, "AWS::Lambda::Function").values()
    assert "SiteUploaderRole" in json.dumps(function["Properties"]["Role"])
    assert "SiteUploaderLogs" in json.dumps(function["Properties"]["LoggingConfig"])


def test_runtime_config_carries_the_environment_for_the_spa(synthesized):
    synth = synthesized["dev"]
    entry = next(r for k, r in _deployments(synth).items() if "EntryPoints" in k)["Properties"]
    (markers,) = [m for m in entry["SourceMarkers"] if m]
    outputs = [_output_of(part, synth.stack_names["auth"]) for value in markers.values()
               for part in value["Fn::Join"][1] if isinstance(part, dict)]
    assert [o.split("Users")[1][:12] for o in outputs] == ["UserPool7E61", "UserPoolSpaC", "UserPoolHost"]
    # The API is same-origin for the SPA: a relative URL, no reference to the distribution.
    assert "CdnDistribution" not in json.dumps(markers)


def test_site_uploader_has_only_what_the_upload_needs(synthesized):
    synth = synthesized["dev"]
    policies = [p["Properties"] for k, p in edge_resources(synth, "AWS::IAM::ManagedPolicy").items() if k.startswith("SiteUploader")]
    (policy,) = policies
    statements = policy["PolicyDocument"]["Statement"]
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == sorted(["s3:GetObject", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                              "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation",
                              "logs:CreateLogStream", "logs:PutLogEvents"])
    assert statements[0]["Resource"] == "arn:aws:s3:::cdk-hnb659fds-assets-111111111111-us-east-1/*"
    assert not any("*" == s["Resource"] for s in statements)


def test_placeholder_site_ships_in_the_repository():
    site = ROOT / "frontend" / "placeholder"
    index = (site / "index.html").read_text()
    # The CSP forbids inline scripts: the page loads its script from /assets.
    assert '<script src="/assets/placeholder.js"' in index and "<script>" not in index
    assert (site / "assets" / "placeholder.js").is_file() and (site / "assets" / "placeholder.css").is_file()


# ---------------------------------------------------------------- Amplify


@pytest.mark.parametrize("variant", AMPLIFY)
def test_amplify_app_builds_nextjs_ssr_with_a_token_from_secrets_manager(synthesized, variant):
    synth = synthesized[variant]
    _, app = edge_one(synth, "AWS::Amplify::App")
    p = app["Properties"]
    assert p["Platform"] == "WEB_COMPUTE"
    assert p["Repository"] == synth.config.edge.amplify_repository == f"https://github.com/example/{synth.config.app_name}"
    assert p["AccessToken"] == f"{{{{resolve:secretsmanager:{synth.config.app_name}/amplify-github-token:SecretString:::}}}}"
    assert p["BuildSpec"] == (ROOT / "frontend" / "amplify.yml").read_text()
    assert p["EnableBranchAutoDeletion"] is True
    role_id, _ = edge_one(synth, "AWS::IAM::Role")
    assert p["IAMServiceRole"] == {"Fn::GetAtt": [role_id, "Arn"]}
    (group_id, group), = [(k, g) for k, g in edge_resources(synth, "AWS::Logs::LogGroup").items() if k.startswith("AmplifySsrLogs")]
    assert group["Properties"]["RetentionInDays"] == synth.config.log_retention_days
    policy = next(p for k, p in edge_resources(synth, "AWS::IAM::ManagedPolicy").items() if k.startswith("AmplifyServicePolicy"))
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}


@pytest.mark.parametrize("variant, domain", [("stockpilot-dev", ""), ("spendwise-dev", "dev.spendwise.example.com")])
def test_amplify_branch_per_environment_with_settings_basic_auth_and_domain(synthesized, variant, domain):
    synth = synthesized[variant]
    (branch,) = frontend_resources(synth, "AWS::Amplify::Branch").values()
    p = branch["Properties"]
    assert p["BranchName"] == "develop" and p["Stage"] == "DEVELOPMENT" and p["Framework"] == "Next.js - SSR"
    variables = {v["Name"]: v["Value"] for v in p["EnvironmentVariables"]}
    assert set(variables) == {"NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_AUTH_MODE", "NEXT_PUBLIC_HOSTED_UI_DOMAIN",
                              "NEXT_PUBLIC_REGION", "NEXT_PUBLIC_USER_POOL_CLIENT_ID", "NEXT_PUBLIC_USER_POOL_ID",
                              "NEXT_PUBLIC_WEB_SOCKET_PATH"}
    if domain:
        assert variables["NEXT_PUBLIC_API_URL"] == f"https://api.{domain}/api"
    else:
        parts = variables["NEXT_PUBLIC_API_URL"]["Fn::Join"][1]
        assert parts[0] == "https://" and parts[2] == "/api"
        assert "CdnDistribution" in _output_of(parts[1], synth.stack_names["edge"])
    assert variables["NEXT_PUBLIC_USER_POOL_ID"]["Fn::GetStackOutput"]["StackName"] == synth.stack_names["auth"]
    secret_id, _ = conftest.one(synth, "AWS::SecretsManager::Secret", tier="frontend")
    assert p["BasicAuthConfig"] == {"EnableBasicAuth": True, "Username": "preview", "Password": {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]}}
    domains = frontend_resources(synth, "AWS::Amplify::Domain")
    if domain:
        (association,) = domains.values()
        assert association["Properties"]["DomainName"] == domain
        assert association["Properties"]["SubDomainSettings"] == [{"BranchName": "develop", "Prefix": ""}]
    else:
        assert not domains


# ---------------------------------------------------------------- auth hand-off


def _callbacks(synth) -> list:
    _, client = conftest.one(synth, "AWS::Cognito::UserPoolClient", tier="auth")
    return client["Properties"]["CallbackURLs"]


def test_amplify_origins_reach_the_user_pool_client(synthesized):
    # Without a domain: Amplify's branch URL, read from the edge tier.
    (url,) = _callbacks(synthesized["stockpilot-dev"])[1:]
    parts = url["Fn::Join"][1]
    assert parts[0] == "https://develop."
    assert "AmplifyApp" in _output_of(parts[1], synthesized["stockpilot-dev"].stack_names["edge"]) and parts[2] == "/"
    # With one: the custom domain first, then the branch URL.
    callbacks = _callbacks(synthesized["spendwise-dev"])
    assert "https://dev.spendwise.example.com/" in callbacks


def test_compute_learns_the_site_origins(synthesized):
    synth = synthesized["domain-3az"]
    (parameter,) = [r["Properties"] for r in conftest.resources(synth, "AWS::SSM::Parameter", tier="compute").values()
                    if r["Properties"]["Name"].endswith("/APP_ORIGINS")]
    assert parameter["Value"] == "https://staging.example.com"
