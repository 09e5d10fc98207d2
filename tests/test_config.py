"""Every configuration mistake stops synthesis with a message that names the
environment, the setting, the problem and the fix. One test per mistake."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from config.derived import sanitize_branch
from config.loader import ConfigError, load
from config.schema import EnvironmentConfig


def problems(**kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(**kwargs)
    assert str(caught.value).startswith("Invalid configuration, synthesis stopped:")
    return caught.value.problems


def one_problem(env: str, settings: dict, **kwargs) -> str:
    """The single problem reported when ``settings`` override environment ``env``."""
    found = problems(overrides={env: settings}, **kwargs)
    assert len(found) == 1, found
    return found[0]


# dev without what needs more than the network settings under test (a release, bastion, ECS Exec).
QUIET_DEV_COMPUTE = {"release": "v1", "bastion": False, "ecs_exec": False}


def assert_names(message: str, env: str, setting: str, *fragments: str) -> None:
    assert f"environment '{env}'" in message
    assert setting in message
    assert "Fix:" in message
    for fragment in fragments:
        assert fragment in message, message


def test_reference_profile_is_valid():
    configs = load()
    assert [c.env_name for c in configs] == ["dev", "staging", "prod"]
    assert all(isinstance(c, EnvironmentConfig) for c in configs)


def test_bankapp_sizes_and_policies():
    dev, staging, prod = load()
    assert [c.network.cidr for c in (dev, staging, prod)] == ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]
    assert [(c.compute.task_cpu, c.compute.task_memory_mib) for c in (dev, staging, prod)] == [(256, 512), (512, 1024), (1024, 2048)]
    assert [(c.compute.min_count, c.compute.max_count) for c in (dev, staging, prod)] == [(1, 2), (2, 4), (3, 10)]
    assert [c.database.backup_retention_days for c in (dev, staging, prod)] == [1, 7, 35]
    assert [c.database.multi_az for c in (dev, staging, prod)] == [False, True, True]
    assert [c.database.read_replica for c in (dev, staging, prod)] == [False, False, True]
    assert [(c.recovery.rto_minutes, c.recovery.rpo_minutes) for c in (dev, staging, prod)] == [(240, 1440), (120, 60), (30, 5)]
    assert [c.removal for c in (dev, staging, prod)] == ["destroy", "snapshot", "snapshot"]


def test_unknown_environment():
    (message,) = problems(env="qa")
    assert "environment 'qa' does not exist in profile 'reference'" in message
    assert "-c env= with one of: dev, prod, staging" in message


def test_unknown_profile():
    (message,) = problems(profile="nope")
    assert "profile 'nope' does not exist" in message and "-c profile=" in message


def test_unknown_setting_is_a_typo_not_a_default():
    message = one_problem("dev", {"database": {"multi_azz": True}})
    assert_names(message, "dev", "database.multi_azz", "unknown setting", "multi_az")


def test_wrong_type():
    message = one_problem("staging", {"database": {"multi_az": 1}})
    assert_names(message, "staging", "database.multi_az", "must be True or False")


def test_malformed_cidr():
    message = one_problem("dev", {"network": {"cidr": "10.0.0.300/16"}})
    assert_names(message, "dev", "network.cidr", "not a valid IPv4 network")


def test_cidr_with_host_bits():
    message = one_problem("dev", {"network": {"cidr": "10.0.0.1/16"}})
    assert_names(message, "dev", "network.cidr", "not a valid IPv4 network")


def test_public_cidr():
    message = one_problem("dev", {"network": {"cidr": "8.8.0.0/16"}})
    assert_names(message, "dev", "network.cidr", "private range")


def test_overlapping_cidrs():
    message = one_problem("staging", {"network": {"cidr": "10.0.0.0/16"}})
    assert_names(message, "staging", "network.cidr", "overlaps environment 'dev' (10.0.0.0/16)", "config/staging.py")


def test_cidr_too_small_for_the_subnets():
    found = problems(overrides={"dev": {"network": {"cidr": "10.0.0.0/22"}}})
    assert_names(found[0], "dev", "network.cidr", "too small", "9216 addresses needed, 1024 available")
    # and the subnet that cannot fit at all is named too
    assert_names(found[1], "dev", "network.private_subnet_mask", "larger than the VPC")


def test_fewer_than_two_azs():
    message = one_problem("dev", {"network": {"availability_zones": ["us-east-1a"]}})
    assert_names(message, "dev", "network.availability_zones", "at least 2")


def test_azs_not_in_region():
    message = one_problem("prod", {"network": {"availability_zones": ["us-east-1a", "eu-west-1b"]}})
    assert_names(message, "prod", "network.availability_zones", "['eu-west-1b'] are not in region us-east-1")


def test_prod_without_multi_az_database():
    found = problems(overrides={"prod": {"database": {"multi_az": False}}})
    assert_names(found[0], "prod", "database.multi_az", "production environment needs a Multi-AZ database")


def test_prod_with_destroy_removal():
    message = one_problem("prod", {"removal": "destroy"})
    assert_names(message, "prod", "removal", "must not destroy")


@pytest.mark.parametrize("branch", ["///", "___", "🚀"])
def test_branch_that_cannot_name_a_stack(branch):
    (message,) = problems(env="dev", branch=branch)
    assert f"branch '{branch}'" in message and "no letters or digits" in message and "Fix:" in message


def test_branch_starting_with_a_digit():
    (message,) = problems(env="dev", branch="123-fix")
    assert "starts with a digit" in message and "Fix:" in message


def test_branch_from_prod_is_refused():
    (message,) = problems(env="prod", branch="feature/x")
    assert_names(message, "prod", "allow_branches", "branch from dev or staging")


def test_domain_without_hosted_zone():
    message = one_problem("staging", {"domain": {"name": "staging.example.com"}})
    assert_names(message, "staging", "domain.hosted_zone_id", "hosted zone is not set")


def test_domain_outside_its_zone():
    message = one_problem("staging", {"domain": {"name": "app.other.org", "hosted_zone_id": "Z123456789", "hosted_zone_name": "example.com"}})
    assert_names(message, "staging", "domain.name", "not inside the hosted zone")


def test_min_tasks_above_max():
    message = one_problem("staging", {"compute": {"min_count": 5, "max_count": 4}})
    assert_names(message, "staging", "compute.min_count", "greater than compute.max_count (4)")


def test_invalid_fargate_size():
    message = one_problem("dev", {"compute": {"task_cpu": 256, "task_memory_mib": 4096}})
    assert_names(message, "dev", "compute.task_memory_mib", "not a valid memory size for 256")


def test_storage_below_engine_minimum():
    message = one_problem("dev", {"database": {"allocated_storage_gib": 10}})
    assert_names(message, "dev", "database.allocated_storage_gib", "PostgreSQL gp3 minimum of 20 GiB")


def test_storage_ceiling_below_allocation():
    message = one_problem("dev", {"database": {"allocated_storage_gib": 200, "max_allocated_storage_gib": 100}})
    assert_names(message, "dev", "database.max_allocated_storage_gib", "allocated_storage_gib (200)")


def test_backup_retention_out_of_range():
    message = one_problem("dev", {"database": {"backup_retention_days": 36}})
    assert_names(message, "dev", "database.backup_retention_days", "0 to 35 days")


def test_no_egress_while_workloads_need_the_internet():
    message = one_problem("dev", {"compute": QUIET_DEV_COMPUTE, "network": {
        "egress": "none", "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"],
    }})
    assert_names(message, "dev", "network.egress", "no route", "workloads_need_internet")


def test_no_egress_without_the_endpoints_fargate_needs():
    message = one_problem("dev", {"compute": QUIET_DEV_COMPUTE, "network": {"egress": "none", "workloads_need_internet": False, "interface_endpoints": ["logs"]}})
    assert_names(message, "dev", "network.interface_endpoints", "ecr.api, ecr.dkr, secretsmanager, ssm")


def test_no_egress_single_instance_still_needs_secrets_manager():
    message = one_problem("dev", {
        "compute": {"kind": "ec2", "placement": "public-single-instance", "max_count": 1, "bastion": False},
        "network": {"egress": "none", "workloads_need_internet": False, "interface_endpoints": ["logs"]},
    })
    assert_names(message, "dev", "network.interface_endpoints", "secretsmanager")


def test_private_instances_without_egress_are_refused():
    message = one_problem("dev", {
        "compute": {"kind": "ec2", "bastion": False},
        "network": {"egress": "none", "workloads_need_internet": False, "interface_endpoints": ["secretsmanager"]},
    })
    assert_names(message, "dev", "compute.kind", "PM2", "placement 'public-single-instance'")


def test_unknown_egress_mode():
    message = one_problem("dev", {"network": {"egress": "nat"}})
    assert_names(message, "dev", "network.egress", "'nat-gateway-per-az'")


def test_invalid_log_retention():
    message = one_problem("dev", {"network": {"flow_log_retention_days": 10}})
    assert_names(message, "dev", "network.flow_log_retention_days", "retention value")


def test_invalid_account_from_the_command_line_is_reported_once_as_from_the_command_line():
    (message,) = problems(account="12345")  # checked in all three environments, said once
    assert message.startswith("account = '12345' (from -c account= on the command line): must be a 12-digit AWS account ID")
    assert "config/" not in message and "environment '" not in message and "Fix:" in message


def test_invalid_account_in_a_file_names_the_file():
    message = one_problem("prod", {"account": "12345"})
    assert_names(message, "prod", "account", "12-digit", "(in config/prod.py)")


def test_region_without_known_cloudfront_prefix_list():
    message = one_problem("dev", {"region": "sa-east-1", "network": {"availability_zones": ["sa-east-1a", "sa-east-1b"]}})
    assert_names(message, "dev", "network.cloudfront_origin_prefix_list_id", "describe-managed-prefix-lists")


def test_all_problems_are_reported_at_once():
    found = problems(overrides={"dev": {"network": {"cidr": "nonsense"}, "compute": {"min_count": 3}}})
    assert len(found) == 2


def test_account_from_context_overrides_the_placeholder():
    assert {c.account for c in load(account="123456789012")} == {"123456789012"}


def test_branch_environment_derives_from_dev_and_is_destroyable():
    (cfg,) = load(env="dev", branch="feature/login-page")
    assert cfg.env_name == "dev" and cfg.branch_slug == "feature-login-page"
    assert cfg.stack_name("network") == "webapp-dev-feature-login-page-network"
    assert cfg.removal == "destroy" and not cfg.production and not cfg.database.multi_az
    assert cfg.network.flow_log_retention_days == 3


def test_branch_without_env_derives_from_the_profiles_branch_parent():
    (cfg,) = load(branch="fix/typo")
    assert cfg.env_name == "dev" and cfg.stack_name("network") == "webapp-dev-fix-typo-network"


def test_branch_slugs_are_short_stable_and_distinct():
    a = sanitize_branch("feature/JIRA-1234-a-very-long-description-of-the-change")
    b = sanitize_branch("feature/JIRA-1234-a-very-long-description-of-another-change")
    assert a != b and len(a) <= 24 and len(b) <= 24
    assert a == sanitize_branch("feature/JIRA-1234-a-very-long-description-of-the-change")
    assert a.startswith("feature-jira-1234")
    # Capitals and "_" are lost in a slug: a hash keeps "Feature/Login_Page" apart from "feature/login-page".
    assert sanitize_branch("Feature/Login_Page").startswith("feature-login-pa") and len(sanitize_branch("Feature/Login_Page")) <= 24
    assert sanitize_branch("Feature/Login_Page") != sanitize_branch("feature/login-page") == "feature-login-page"


# ---------------------------------------------------------------- data and auth settings


def test_engine_version_must_be_full():
    message = one_problem("dev", {"database": {"engine_version": "18"}})
    assert_names(message, "dev", "database.engine_version", "full PostgreSQL version")


def test_unknown_engine():
    message = one_problem("dev", {"database": {"engine": "mysql"}})
    assert_names(message, "dev", "database.engine", "'aurora-serverless-v2'")


def test_aurora_capacity_out_of_range():
    message = one_problem("dev", {"database": {"engine": "aurora-serverless-v2", "serverless_min_acu": 0.3}})
    assert_names(message, "dev", "database.serverless_min_acu", "in steps of 0.5")


def test_aurora_maximum_out_of_range_blames_the_maximum():
    message = one_problem("dev", {"database": {"engine": "aurora-serverless-v2", "serverless_max_acu": 300}})
    assert_names(message, "dev", "database.serverless_max_acu = 300", "1 to 256 ACU")


def test_aurora_minimum_above_maximum():
    message = one_problem("dev", {"database": {"engine": "aurora-serverless-v2", "serverless_min_acu": 8, "serverless_max_acu": 4}})
    assert_names(message, "dev", "database.serverless_min_acu = 8", "above database.serverless_max_acu (4")


def test_aurora_that_pauses_in_production():
    message = one_problem("prod", {"database": {"engine": "aurora-serverless-v2"}})
    assert_names(message, "prod", "database.serverless_min_acu", "must not pause")


def test_aurora_version_that_cannot_scale_to_zero():
    message = one_problem("dev", {"database": {"engine": "aurora-serverless-v2", "engine_version": "16.2"}})
    assert_names(message, "dev", "database.engine_version", "cannot scale to 0 ACU")


def test_performance_insights_on_a_class_without_it():
    message = one_problem("dev", {"database": {"performance_insights": True}})
    assert_names(message, "dev", "database.performance_insights", "db.t4g.micro")


def test_invalid_monitoring_interval():
    message = one_problem("dev", {"database": {"monitoring_interval_seconds": 45}})
    assert_names(message, "dev", "database.monitoring_interval_seconds", "enhanced monitoring interval")


def test_invalid_database_name():
    message = one_problem("dev", {"database": {"database_name": "Web-App"}})
    assert_names(message, "dev", "database.database_name", "lowercase")


def test_rotation_days_out_of_range():
    message = one_problem("dev", {"database": {"credential_rotation_days": 0}})
    assert_names(message, "dev", "database.credential_rotation_days", "1 to 365")


def test_noncurrent_versions_expire_before_glacier():
    message = one_problem("dev", {"storage": {"noncurrent_versions_expire_days": 30}})
    assert_names(message, "dev", "storage.noncurrent_versions_expire_days", "later than the move to Glacier (90 days)")


def test_production_without_mfa():
    message = one_problem("prod", {"auth": {"mfa": "off"}})
    assert_names(message, "prod", "auth.mfa", "needs MFA")


def test_threat_protection_without_the_plus_plan():
    message = one_problem("staging", {"auth": {"threat_protection": "enforced"}})
    assert_names(message, "staging", "auth.threat_protection", "'plus' feature plan")


def test_plain_http_callback_url():
    message = one_problem("staging", {"auth": {"callback_urls": ["http://app.example.com/"]}})
    assert_names(message, "staging", "auth.callback_urls", "https://")


def test_token_lifetime_out_of_range():
    message = one_problem("dev", {"auth": {"access_token_minutes": 2}})
    assert_names(message, "dev", "auth.access_token_minutes", "5 to 1440")


def test_reserved_word_in_the_hosted_ui_prefix():
    message = one_problem("dev", {"auth": {"domain_prefix": "my-cognito-login"}})
    assert_names(message, "dev", "auth.domain_prefix", "without 'aws', 'amazon' or 'cognito'")


def test_short_passwords():
    message = one_problem("dev", {"auth": {"password_min_length": 6}})
    assert_names(message, "dev", "auth.password_min_length", "8 to 99")


def test_jwt_rotation_out_of_range():
    message = one_problem("dev", {"auth": {"mode": "custom-jwt", "jwt_secret_rotation_days": 400}})
    assert_names(message, "dev", "auth.jwt_secret_rotation_days", "1 to 365")


def test_float_settings_refuse_text():
    message = one_problem("dev", {"database": {"serverless_max_acu": "4"}})
    assert_names(message, "dev", "database.serverless_max_acu", "must be a number")


def test_production_cache_without_a_replica():
    message = one_problem("prod", {"cache": {"enabled": True, "multi_az": False}})
    assert_names(message, "prod", "cache.multi_az", "second AZ")


def test_invalid_cache_node_type():
    message = one_problem("dev", {"cache": {"enabled": True, "node_type": "t4g.micro"}})
    assert_names(message, "dev", "cache.node_type", "ElastiCache node type")


# Compute.

def test_release_with_invalid_characters():
    message = one_problem("dev", {"compute": {"release": "feature/x y"}})
    assert_names(message, "dev", "compute.release", "not a valid release name")


def test_release_from_context_reaches_only_the_selected_environment():
    (dev,) = load(env="dev", release="abc123")
    assert dev.compute.release == "abc123"
    staging = next(c for c in load(release=None) if c.env_name == "staging")
    assert staging.compute.release == ""
    (branch,) = load(env="dev", branch="feature/x", release="abc123")
    assert branch.compute.release == "abc123"


def test_health_check_path_must_be_a_path():
    message = one_problem("dev", {"compute": {"health_check_path": "health"}})
    assert_names(message, "dev", "compute.health_check_path", "starting with '/'")


@pytest.mark.parametrize("pattern", ["/" + "a" * 128, "/a*b*c*d*e*f*", "/api/<id>", "/api /x"])
def test_an_api_path_pattern_the_load_balancer_would_refuse(pattern):
    """Longer than its 128 characters, more wildcards than a rule takes, characters neither accepts."""
    message = one_problem("dev", {"edge": {"api_paths": ["/api/*", pattern]}})
    assert_names(message, "dev", "edge.api_paths", repr([pattern]), "at most 128 characters", "Fix: write them like '/api/*'")


def test_api_paths_at_the_load_balancer_limits_are_accepted():
    (cfg,) = load(env="dev", overrides={"dev": {"edge": {"api_paths": ["/" + "a" * 127, "/a*b*c*d*e?"]}}})
    assert cfg.edge.api_paths == ("/" + "a" * 127, "/a*b*c*d*e?")


def test_api_paths_over_the_uploads_name_both_settings_and_the_fix():
    message = one_problem("dev", {"edge": {"uploads_path": "/products/*", "api_paths": ["/api/*", "/products*"]}})
    assert_names(message, "dev", "edge.api_paths", "['/products*'] also match edge.uploads_path '/products/*'", "Fix: narrow them")


def test_an_amplify_frontend_may_forward_everything_else_to_the_api():
    """Without a site bucket the default behaviour is the load balancer's anyway; only the uploads stay apart."""
    (cfg,) = load(env="dev", overrides={"dev": {"edge": {**AMPLIFY_EDGE, "api_paths": ["/*"]}}})
    assert cfg.edge.api_paths == ("/*",)
    message = one_problem("dev", {"edge": {**AMPLIFY_EDGE, "api_paths": ["/*"], "uploads_path": "/uploads/*"}})
    assert_names(message, "dev", "edge.api_paths", "['/*'] also match edge.uploads_path")


def test_idle_timeout_beyond_the_load_balancer_limit():
    message = one_problem("dev", {"compute": {"idle_timeout_seconds": 5000}})
    assert_names(message, "dev", "compute.idle_timeout_seconds", "1-4000")


def test_spot_in_production_is_refused():
    message = one_problem("prod", {"compute": {"fargate_spot": True}})
    assert_names(message, "prod", "compute.fargate_spot", "must not be interruptible")


def test_production_needs_two_tasks():
    message = one_problem("prod", {"compute": {"min_count": 1}})
    assert_names(message, "prod", "compute.min_count", "at least 2")


def test_root_container_user_is_refused():
    message = one_problem("dev", {"compute": {"container_user": "root"}})
    assert_names(message, "dev", "compute.container_user", "non-root")


def test_no_egress_without_a_release_cannot_pull_the_placeholder():
    message = one_problem("dev", {"compute": {"bastion": False, "ecs_exec": False}, "network": {
        "egress": "none", "workloads_need_internet": False,
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"],
    }})
    assert_names(message, "dev", "compute.release", "public registry", "-c release=")


def test_bastion_without_egress_needs_session_manager_endpoints():
    message = one_problem("dev", {"compute": {"release": "v1", "ecs_exec": False}, "network": {
        "egress": "none", "workloads_need_internet": False,
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"],
    }})
    assert_names(message, "dev", "compute.bastion", "ssmmessages", "ec2messages")


def test_single_instance_layout_is_one_instance():
    message = one_problem("dev", {"compute": {"kind": "ec2", "placement": "public-single-instance", "max_count": 3}})
    assert_names(message, "dev", "compute.placement", "1/3", "max_count to 1")


def test_single_instance_layout_is_ec2_only():
    message = one_problem("dev", {"compute": {"placement": "public-single-instance", "max_count": 1}})
    assert_names(message, "dev", "compute.placement", "only the EC2 variant")


def test_instance_type_must_match_the_architecture():
    message = one_problem("staging", {"compute": {"kind": "ec2", "instance_type": "t3.small"}})
    assert_names(message, "staging", "compute.instance_type", "does not match compute.cpu_architecture 'arm64'")


def test_process_port_must_differ_from_nginx_port():
    message = one_problem("staging", {"compute": {"kind": "ec2", "process_port": 3001}})
    assert_names(message, "staging", "compute.process_port", "other than compute.container_port (3001)")


def test_stickiness_out_of_range():
    message = one_problem("dev", {"compute": {"stickiness_seconds": -5}})
    assert_names(message, "dev", "compute.stickiness_seconds", "0 (off) or 1-604800")


def test_graviton_detection():
    from config.derived import is_graviton

    assert [is_graviton(t) for t in ("t4g.nano", "m7g.large", "c7gn.xlarge", "x2gd.large", "t3.micro", "g5.xlarge", "m7i-flex.large")] == [
        True, True, True, True, False, False, False]


def test_xray_sidecar_without_egress_cannot_be_pulled():
    message = one_problem("dev", {"compute": {**QUIET_DEV_COMPUTE, "xray_tracing": True}, "network": {
        "egress": "none", "workloads_need_internet": False,
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"],
    }})
    assert_names(message, "dev", "compute.xray_tracing", "X-Ray daemon image")


def test_placeholder_image_must_be_an_image_reference():
    message = one_problem("dev", {"compute": {"placeholder_image": "node 22"}})
    assert_names(message, "dev", "compute.placeholder_image", "not a container image reference")


# ---------------------------------------------------------------- edge

AMPLIFY_EDGE = {"frontend": "amplify", "amplify_repository": "https://github.com/example/storefront",
                "amplify_token_secret": "webapp/amplify-github-token"}


def test_reference_environments_default_to_the_spa_with_per_environment_waf_limits():
    limits = {c.env_name: (c.edge.frontend, c.waf.rate_limit, c.waf.mode, c.edge.price_class) for c in load()}
    assert limits == {"dev": ("spa", 500, "off", "100"), "staging": ("spa", 1000, "block", "100"), "prod": ("spa", 2000, "block", "all")}


def test_site_directory_needs_an_index():
    message = one_problem("dev", {"edge": {"site_directory": "frontend/does-not-exist"}})
    assert_names(message, "dev", "edge.site_directory", "has no index.html")


def test_amplify_needs_a_repository():
    message = one_problem("dev", {"edge": {**AMPLIFY_EDGE, "amplify_repository": ""}})
    assert_names(message, "dev", "edge.amplify_repository", "no HTTPS repository URL")


def test_amplify_needs_the_token_secret_name():
    message = one_problem("dev", {"edge": {**AMPLIFY_EDGE, "amplify_token_secret": ""}})
    assert_names(message, "dev", "edge.amplify_token_secret", "no Secrets Manager secret name")


def test_non_production_amplify_site_is_password_protected():
    message = one_problem("staging", {"edge": {**AMPLIFY_EDGE, "amplify_basic_auth": False}})
    assert_names(message, "staging", "edge.amplify_basic_auth", "must not be open to everyone")
    # Production may be public.
    (prod,) = load(env="prod", overrides={"prod": {"edge": {**AMPLIFY_EDGE, "amplify_basic_auth": False}}})
    assert prod.edge.amplify_basic_auth is False


def test_amplify_branch_must_be_a_git_branch_name():
    message = one_problem("dev", {"edge": {**AMPLIFY_EDGE, "amplify_branch": "-bad branch"}})
    assert_names(message, "dev", "edge.amplify_branch", "not a Git branch name")


def test_content_security_policy_is_one_header_line():
    message = one_problem("dev", {"edge": {"content_security_policy": "default-src 'self';\nscript-src 'self'"}})
    assert_names(message, "dev", "edge.content_security_policy", "one non-empty header line")


def test_uploads_path_is_one_folder_pattern():
    message = one_problem("dev", {"edge": {"uploads_path": "uploads"}})
    assert_names(message, "dev", "edge.uploads_path", "one folder")


def test_uploads_path_is_not_the_apis():
    """The API's behaviours come first: the rule names both settings and either fix."""
    message = one_problem("dev", {"edge": {"uploads_path": "/ws/*"}})
    assert_names(message, "dev", "edge.api_paths", "['/ws/*'] also match edge.uploads_path '/ws/*'",
                 "or serve the uploads from another folder (edge.uploads_path)")


def test_uploads_path_needs_the_uploads_bucket():
    message = one_problem("dev", {"edge": {"uploads_path": "/uploads/*"}, "storage": {"uploads_bucket": False}})
    assert_names(message, "dev", "edge.uploads_path", "storage.uploads_bucket is False")


def test_origin_timeouts_within_cloudfront_limits():
    message = one_problem("dev", {"edge": {"origin_read_timeout_seconds": 0}})
    assert_names(message, "dev", "edge.origin_read_timeout_seconds", "CloudFront allows 1 to 180")


def test_keepalive_must_stay_below_the_load_balancer_idle_timeout():
    message = one_problem("dev", {"compute": {"idle_timeout_seconds": 60}})
    assert_names(message, "dev", "edge.origin_keepalive_timeout_seconds", "below compute.idle_timeout_seconds (60)", "502")


def test_waf_rate_limit_within_aws_limits():
    message = one_problem("dev", {"waf": {"rate_limit": 5}})
    assert_names(message, "dev", "waf.rate_limit", "10 to 2000000000")


def test_production_waf_must_block():
    message = one_problem("prod", {"waf": {"mode": "count"}})
    assert_names(message, "prod", "waf.mode", "blocks nothing")


# ---------------------------------------------------------------- observability


def test_alarm_email_that_is_not_an_address():
    message = one_problem("staging", {"observability": {"critical_emails": ["oncall-at-example.com"]}})
    assert_names(message, "staging", "observability.critical_emails", "oncall-at-example.com", "not email addresses")


@pytest.mark.parametrize(("setting", "value"), [("service_cpu_percent", 0), ("database_free_storage_percent", 100),
                                                ("cdn_5xx_rate_percent", 101), ("service_alarm_minutes", 61)])
def test_alarm_threshold_out_of_range(setting, value):
    message = one_problem("dev", {"observability": {setting: value}})
    assert_names(message, "dev", f"observability.{setting}", "must be between")


@pytest.mark.parametrize("setting", ["replica_lag_seconds", "load_balancer_5xx_per_minute", "waf_blocked_requests_per_5_minutes"])
def test_alarm_count_threshold_below_one(setting):
    message = one_problem("dev", {"observability": {setting: 0}})
    assert_names(message, "dev", f"observability.{setting}", "1 or more")


def test_p99_latency_beyond_the_idle_timeout():
    message = one_problem("dev", {"observability": {"p99_latency_ms": 400_000}})
    assert_names(message, "dev", "observability.p99_latency_ms", "idle timeout (300000 ms)")


def test_database_class_without_a_known_connection_limit():
    message = one_problem("dev", {"database": {"instance_class": "x2g.large"}})
    assert_names(message, "dev", "database.instance_class", "connection limit", "observability.database_max_connections")
    # Given the limit, the class is fine.
    load(env="dev", overrides={"dev": {"database": {"instance_class": "x2g.large"}, "observability": {"database_max_connections": 1000}}})


def test_connection_limit_follows_the_class_memory():
    from config.derived import database_max_connections

    (dev,) = load(env="dev")  # t4g.micro, 1 GiB
    assert database_max_connections(dev) == 112
    (large,) = load(env="dev", overrides={"dev": {"database": {"instance_class": "r7g.2xlarge"}}})  # 64 GiB
    assert database_max_connections(large) == 5000
    (aurora,) = load(env="dev", overrides={"dev": {"database": {"engine": "aurora-serverless-v2", "apply_migrations": False},
                                                        "auth": {"user_sync": False}}})
    assert database_max_connections(aurora) == 901  # 4 ACU = 8 GiB


def test_negative_budget():
    message = one_problem("dev", {"observability": {"monthly_budget_usd": -1}})
    assert_names(message, "dev", "observability.monthly_budget_usd", "cannot be negative")


def test_prod_without_an_audit_trail():
    message = one_problem("prod", {"observability": {"cloudtrail": False}, "delivery": {"account_trail": False}})
    assert_names(message, "prod", "observability.cloudtrail", "audit trail", "delivery.account_trail")


def test_a_long_lived_environment_without_any_trail():
    # staging in an account of its own, where no environment asks for the account trail
    message = one_problem("staging", {"account": "333333333333", "delivery": {"account_trail": False}})
    assert_names(message, "staging", "observability.cloudtrail = False", "account 333333333333", "delivery.account_trail = True",
                 "config/staging.py")


def test_prod_audit_history_shorter_than_a_year():
    message = one_problem("prod", {"observability": {"trail_retention_days": 90}})
    assert_names(message, "prod", "observability.trail_retention_days", "PCI DSS 10.7")


def test_off_hours_in_production():
    message = one_problem("prod", {"off_hours": {"enabled": True}, "database": {"read_replica": False}})
    assert_names(message, "prod", "off_hours.enabled", "production must not stop")


def test_off_hours_with_a_read_replica():
    message = one_problem("staging", {"off_hours": {"enabled": True}, "database": {"read_replica": True}})
    assert_names(message, "staging", "off_hours.enabled", "read replica cannot be stopped")


@pytest.mark.parametrize(("setting", "value", "fragment"), [
    ("start_at", "7am", "24-hour time"),
    ("stop_at", "06:00", "later than off_hours.start_at"),
    ("days", "weekdays", "list of weekdays"),
    ("timezone", "Mars/Olympus", "IANA time zone"),
])
def test_off_hours_schedule_mistakes(setting, value, fragment):
    message = one_problem("dev", {"off_hours": {setting: value}})
    assert_names(message, "dev", f"off_hours.{setting}", fragment)


def test_application_topic_names():
    topics = [{"name": "stock-alerts", "emails": []}, {"name": "stock-alerts", "emails": []}, {"name": "Orders!", "emails": []}]
    found = problems(overrides={"dev": {"application_topics": topics}})
    assert len(found) == 2, found
    # The name's form is a limit of the field, reported while parsing; the duplicate is a rule, after.
    assert_names(found[0], "dev", "application_topics[2].name", "lowercase letters")
    assert_names(found[1], "dev", "application_topics[1].name", "used by two topics")


def test_application_topic_subscriber_that_is_not_an_address():
    message = one_problem("dev", {"application_topics": [{"name": "stock-alerts", "emails": ["admin"]}]})
    assert_names(message, "dev", "application_topics[0].emails", "not email addresses")


def test_application_topic_with_a_misspelled_setting():
    found = problems(overrides={"dev": {"application_topics": [{"name": "stock-alerts", "email": ["a@example.com"]}]}})
    assert_names(found[0], "dev", "application_topics[0].email", "unknown setting", "did you mean 'application_topics[0].emails'?")
    assert_names(found[1], "dev", "application_topics[0].emails", "missing")


def test_branch_environments_alert_only_their_own_subscribers():
    (staging,) = load(env="staging")
    assert staging.alarm_emails("critical") and staging.alarm_emails("warning")
    (branch,) = load(env="staging", branch="feature/x")
    assert branch.alarm_emails("critical") == branch.alarm_emails("warning") == ()
    (owned,) = load(env="staging", branch="feature/x", overrides={"staging": {"observability": {"branch_emails": ["me@example.com"]}}})
    assert owned.alarm_emails("critical") == owned.alarm_emails("warning") == ("me@example.com",)
    assert not branch.observability.cloudtrail


# ---------------------------------------------------------------- what a new user hits first (issue 12)
# Each category: a value that would reach CloudFormation unchecked, one mistake reported
# several times, the wrong setting blamed, command-line values, unknown settings, broken
# files, advice that would break a deploy, and wording.


@pytest.mark.parametrize("setting, value", [("cost_center", "R&D"), ("owner", "team#1"), ("cost_center", "x" * 257)])
def test_tag_values_are_checked_before_cloudformation_sees_them(setting, value):
    message = one_problem("dev", {setting: value})
    assert_names(message, "dev", f"{setting} = {value!r}", "tag values are at most 256", "'R and D' instead of 'R&D'")


def test_a_long_branch_name_still_tags_every_resource_with_a_valid_value():
    from config.derived import environment_tags

    long_branch = "feature/" + "very-long-name-" * 20
    (cfg,) = load(env="dev", branch=long_branch)
    tags = environment_tags(cfg)
    assert tags["branch"] == cfg.branch_slug and len(cfg.branch_slug) <= 24
    (short,) = load(env="dev", branch="feature/login-page")
    assert environment_tags(short)["branch"] == "feature/login-page"


def test_an_interface_endpoint_written_as_the_console_shows_it():
    message = one_problem("dev", {"network": {"interface_endpoints": ["com.amazonaws.us-east-1.secretsmanager", "logs"]}})
    assert_names(message, "dev", "network.interface_endpoints", "full service names", "['secretsmanager']")


def test_a_region_typo_is_one_message_without_advice_built_on_the_typo():
    (message,) = problems(overrides={"dev": {"region": "us-east1"}})
    assert_names(message, "dev", "region = 'us-east1'", "not an AWS region name")
    assert "us-east1a" not in message


def test_an_invalid_app_name_is_one_message():
    found = problems(overrides={"dev": {"app_name": "web_app"}})
    assert len(found) == 1, found
    assert_names(found[0], "dev", "app_name = 'web_app'", "lowercase letters or digits")


def test_a_zero_maximum_blames_the_maximum():
    message = one_problem("dev", {"compute": {"max_count": 0}})
    assert_names(message, "dev", "compute.max_count = 0", "at least 1")
    assert "compute.min_count" not in message


def test_a_database_class_with_the_db_prefix():
    message = one_problem("dev", {"database": {"instance_class": "db.t4g.micro"}})
    assert_names(message, "dev", "database.instance_class = 'db.t4g.micro'", "'db.' prefix", "write 't4g.micro'")
    assert "max_connections" not in message


def test_a_release_from_the_command_line_is_reported_once_as_from_the_command_line():
    (message,) = problems(release="bad tag!")
    assert message.startswith("compute.release = 'bad tag!' (from -c release= on the command line): ")
    assert "config/" not in message


def test_an_unknown_setting_suggests_the_closest_name_only():
    message = one_problem("dev", {"database": {"multiaz": True}})
    assert "did you mean 'database.multi_az'?" in message
    assert "engine_version" not in message  # no list of every setting when one is close


def test_an_unknown_setting_with_nothing_close_lists_the_section():
    message = one_problem("dev", {"cache": {"shards": 3}})
    assert_names(message, "dev", "cache.shards", "unknown setting", "settings here: enabled, engine_version")


def test_a_section_set_to_none_is_named_without_a_stray_dot():
    message = one_problem("dev", {"cache": None})
    assert "cache = None: expected a group of settings" in message and "cache." not in message.split(":")[1]


def test_a_list_of_groups_is_explained_with_an_example_of_one():
    message = one_problem("dev", {"application_topics": "stock-alerts"})
    assert_names(message, "dev", "application_topics", "a list of groups of settings (name, emails)",
                 '[{"name": "...", "emails": ["..."]}]')
    assert "ApplicationTopicConfig" not in message


@pytest.fixture
def broken_settings(monkeypatch, tmp_path):
    """A config package copy whose dev.py the test rewrites; the loader imports it fresh."""
    import sys

    def write(text: str):
        import config.profiles as profiles

        package = tmp_path / "brokenconfig"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        (package / "dev.py").write_text(text)
        monkeypatch.syspath_prepend(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("brokenconfig")]:
            del sys.modules[name]
        reference = profiles.PROFILES["reference"]
        broken = dataclasses.replace(reference, environments={**reference.environments, "dev": "brokenconfig.dev"})
        monkeypatch.setattr(profiles, "PROFILES", {**profiles.PROFILES, "reference": broken})
        import config.loader as loader
        monkeypatch.setattr(loader, "PROFILES", profiles.PROFILES)
        return problems()

    return write


def test_a_syntax_error_in_a_config_file_is_one_line_with_file_and_line(broken_settings):
    (message,) = broken_settings('SETTINGS: dict = {\n    "removal": "destroy",\n    "log_retention_days" 7,\n}\n')
    assert message.startswith("brokenconfig/dev.py, line 3: ") and "Fix: correct the Python syntax there." in message
    assert "Traceback" not in message


def test_a_misspelled_name_in_a_config_file_is_one_line_with_file_and_line(broken_settings):
    (message,) = broken_settings('SETTINGS: dict = {\n    "removal": destroy,\n}\n')
    assert message.startswith("brokenconfig/dev.py, line 2: NameError: name 'destroy' is not defined")


def test_a_config_file_without_settings(broken_settings):
    (message,) = broken_settings("settings = {}\n")
    assert message.startswith("brokenconfig/dev.py: has no SETTINGS dictionary")


def test_a_branch_name_with_a_reserved_word_gets_a_valid_hosted_ui_prefix_of_its_own():
    from config.derived import domain_prefix

    (cfg,) = load(env="dev", branch="feature/aws-sdk-v3")
    (parent,) = load(env="dev")
    prefix = domain_prefix(cfg)
    assert "aws" not in prefix and len(prefix) <= 63 and prefix != domain_prefix(parent)
    (again,) = load(env="dev", branch="feature/aws-sdk-v3")
    assert domain_prefix(again) == prefix  # deterministic


def test_a_configured_hosted_ui_prefix_is_not_shared_with_branch_environments():
    from config.derived import domain_prefix

    (cfg,) = load(env="dev", branch="feature/login-page", overrides={"dev": {"auth": {"domain_prefix": "chronoview-dev"}}})
    assert domain_prefix(cfg) == "chronoview-dev-feature-login-page"


def test_a_configured_hosted_ui_prefix_leaves_room_for_branches_and_blames_the_file():
    message = one_problem("dev", {"auth": {"domain_prefix": "x" * 60}})
    assert_names(message, "dev", "auth.domain_prefix", "at most 52 characters", "(in config/dev.py)")


def test_a_branch_environment_is_labelled_without_nested_quotes():
    from config.parser import Problems

    problems_ = Problems("reference", "dev", "config/dev.py", branch="feature/aws-sdk-v3")
    problems_.add("compute.container_port", 80, "must be unprivileged", "use 3001")
    (message,) = problems_.items
    assert message.startswith("branch environment 'feature/aws-sdk-v3' of 'dev' (profile 'reference'): compute.container_port = 80")


def test_a_content_security_policy_longer_than_cloudfront_takes():
    message = one_problem("dev", {"edge": {"content_security_policy": "default-src 'self' " + "https://x.example.com " * 90}})
    assert_names(message, "dev", "edge.content_security_policy", "at most 1783")


def test_a_callback_url_longer_than_cognito_takes():
    message = one_problem("dev", {"auth": {"callback_urls": ["https://app.example.com/" + "a" * 1100]}})
    assert_names(message, "dev", "auth.callback_urls", "at most 1024")


def test_a_branch_name_amplify_refuses_is_blamed_on_the_branch_not_the_file():
    amplify = {"frontend": "amplify", "amplify_repository": "https://github.com/example/storefront",
               "amplify_token_secret": "webapp/amplify-github-token"}
    (message,) = problems(env="dev", branch="feature/naïve" + "x" * 300, overrides={"dev": {"edge": amplify}})
    assert message.startswith("branch = 'feature/naïve") and "(from -c branch= on the command line)" in message
    assert "edge.amplify_branch" not in message and "config/dev.py" not in message


def test_a_previous_generation_database_class_is_named_in_config_terms():
    """StockPilot's seed asks for db.t2.micro, which RDS does not offer for PostgreSQL 13+: the
    configuration says so by its setting, before CloudFormation's schema check would."""
    message = one_problem("dev", {"database": {"instance_class": "t2.micro"}})
    assert_names(message, "dev", "database.instance_class = 't2.micro'", "previous generation", "'t4g.micro'")


@pytest.mark.parametrize("first, second", [("Feature/Login", "feature/login"), ("a_b", "a-b"), ("fix.1", "fix-1")])
def test_branch_names_that_differ_only_in_what_a_slug_drops_get_different_environments(first, second):
    assert sanitize_branch(first) != sanitize_branch(second)
    assert sanitize_branch("feature/login-page") == "feature-login-page"  # the readable form where nothing is lost


def test_a_value_forced_on_branch_environments_is_blamed_on_the_branch_overrides():
    from config.parser import Problems

    problems_ = Problems("reference", "staging", "config/staging.py", branch="feature/x",
                         sources={"database.multi_az": "config/defaults.py, BRANCH_OVERRIDES"})
    problems_.add("database.multi_az", False, "cannot meet the RTO", "enable it")
    problems_.add("compute.container_port", 80, "must be unprivileged", "use 3001")
    forced, own = problems_.items
    assert forced.endswith("(in config/defaults.py, BRANCH_OVERRIDES).") and own.endswith("(in config/staging.py).")


def test_a_single_instance_layout_can_have_branch_environments():
    single = {"compute": {"kind": "ec2", "placement": "public-single-instance", "instance_type": "t4g.micro",
                          "min_count": 1, "max_count": 1, "bastion": False}}
    (branch,) = load(env="dev", branch="feature/x", overrides={"dev": single})
    assert (branch.compute.min_count, branch.compute.max_count) == (1, 1)


def test_branch_environments_promise_no_recovery_objective_they_cannot_meet():
    # Staging with a 30-minute RTO is valid (Multi-AZ); its branch environment, single-AZ by
    # force, must not fail on its parent's objective.
    (branch,) = load(env="staging", branch="feature/x", overrides={"staging": {"recovery": {"rto_minutes": 30}}})
    assert branch.database.multi_az is False and branch.recovery.rto_minutes == 1440


def test_messages_come_in_the_same_order_every_run():
    import subprocess
    import sys

    script = ("from config.loader import load, ConfigError\n"
              "try:\n    load(overrides={'dev': {'network': {'zzz': 1, 'aaa': 2, 'cidr': 'x'}, 'compute': {'max_count': 0}}})\n"
              "except ConfigError as e:\n    print(e)")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONHASHSEED": seed},
                           cwd=str(Path(__file__).resolve().parent.parent)).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and "network.zzz" in runs.pop()
