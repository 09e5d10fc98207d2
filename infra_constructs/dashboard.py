"""One CloudWatch dashboard per environment: where to look first."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from infra_constructs.alarms import FIVE_MINUTES, ApiAlarms, DatabaseAlarms, edge_metric, waf_metric

WIDTH = 24  # the dashboard grid is 24 units wide
# AWS publishes the account's billing metrics in us-east-1 only.
BILLING_METRICS_REGION = "us-east-1"
HEIGHT = 6


def _graph(title: str, left: list[cloudwatch.IMetric], right: list[cloudwatch.IMetric] | None = None,
           width: int = 8, left_label: str = "") -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=left, right=right or [], width=width, height=HEIGHT,
                                  left_y_axis=cloudwatch.YAxisProps(label=left_label, show_units=False, min=0))


def _row_title(text: str) -> cloudwatch.TextWidget:
    return cloudwatch.TextWidget(markdown=f"## {text}", width=WIDTH, height=1)


class OperationsDashboard(Construct):
    """Rows, top to bottom: alarm states; edge (CloudFront requests and error rates, cache hit
    rate when ``cdn_additional_metrics``, WAF allowed/blocked with a web ACL); load balancer (requests, 4xx/5xx,
    p50/p99, healthy/unhealthy targets); compute (CPU, memory, running/desired tasks or
    instances); database (CPU, connections, free storage, IOPS, replica lag); auth (sign-ups,
    sign-ins and their failures, and ``user_sync_failures``: confirmed users the trigger could
    not write into the database) when ``user_pool_id`` is given, else ``failed_logins`` (the
    application's own sign-ins); with ``cost_panel``, cost: the account's estimated charges this
    month beside a note of the environment's budget (``monthly_budget_usd``, 0: none).

    Metrics come from ``api`` and ``database`` (the alarms' own metric objects, so graph and
    alarm can never disagree) and from the edge tier in us-east-1. Exposes ``dashboard``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        alarms: list[cloudwatch.IAlarm],
        api: ApiAlarms,
        database: DatabaseAlarms,
        distribution_id: str,
        web_acl_metric_name: str | None,
        cdn_additional_metrics: bool,
        user_pool_id: str | None,
        user_pool_client_id: str | None,
        user_sync_failures: cloudwatch.IMetric | None = None,
        failed_logins: cloudwatch.IMetric | None,
        cost_panel: bool,
        monthly_budget_usd: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=dashboard_name, default_interval=Duration.hours(3)
        )
        self.dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms, width=WIDTH, height=4))

        # One row: requests, error rate, and WAF's requests and the cache hit rate when they exist.
        width = WIDTH // (2 + (web_acl_metric_name is not None) + cdn_additional_metrics)
        cdn = [
            _graph("CloudFront requests", [edge_metric("Requests", "Sum", distribution_id=distribution_id)], width=width),
            _graph("CloudFront error rate (%)", [edge_metric("4xxErrorRate", "Average", distribution_id=distribution_id),
                                                 edge_metric("5xxErrorRate", "Average", distribution_id=distribution_id)], width=width),
        ]
        if web_acl_metric_name is not None:
            cdn.append(_graph("WAF requests", [waf_metric("AllowedRequests", web_acl_metric_name),
                                               waf_metric("BlockedRequests", web_acl_metric_name)], width=width))
        if cdn_additional_metrics:
            cdn.append(_graph("Cache hit rate (%)", [edge_metric("CacheHitRate", "Average", distribution_id=distribution_id)], width=width))
        self.dashboard.add_widgets(_row_title("Edge (CloudFront, WAF)"))
        self.dashboard.add_widgets(*cdn)

        self.dashboard.add_widgets(_row_title("Load balancer"))
        self.dashboard.add_widgets(
            _graph("Requests and errors", [api.requests], [api.client_errors, api.errors], width=6),
            _graph("Response time (s)", [api.latency_p50, api.latency_p99], width=6),
            _graph("Targets", [api.healthy, api.unhealthy], width=6),
            _graph("Rejected connections", [api.rejected], width=6),
        )

        self.dashboard.add_widgets(_row_title("Compute"))
        self.dashboard.add_widgets(
            _graph("CPU (%)", [api.cpu]),
            _graph("Memory (%)", [api.memory]),
            _graph("Running / desired", [api.running, api.desired]),
        )

        self.dashboard.add_widgets(_row_title("Database"))
        db_widgets = [_graph("CPU (%)", [database.cpu], width=6), _graph("Connections", [database.connections], width=6)]
        # Storage and IOPS of an RDS instance (DatabaseAlarms sets all three or none).
        free_storage, read_iops, write_iops = database.free_storage, database.read_iops, database.write_iops
        if free_storage is not None and read_iops is not None and write_iops is not None:
            db_widgets += [
                _graph("Free storage (bytes)", [free_storage], width=6),
                _graph("IOPS", [read_iops, write_iops], width=6),
            ]
        if database.replica_lag is not None:
            db_widgets.append(_graph("Replica lag (s)", [database.replica_lag], width=6))
        self.dashboard.add_widgets(*db_widgets)

        self.dashboard.add_widgets(_row_title("Auth"))
        if user_pool_id and user_pool_client_id:
            dimensions = {"UserPool": user_pool_id, "UserPoolClient": user_pool_client_id}

            def cognito(name: str, statistic: str, label: str) -> cloudwatch.Metric:
                return cloudwatch.Metric(namespace="AWS/Cognito", metric_name=name, dimensions_map=dimensions,
                                         statistic=statistic, period=FIVE_MINUTES, label=label)

            # Cognito's *Successes metrics: Sum counts successes, SampleCount counts attempts.
            def failures(name: str, label: str) -> cloudwatch.MathExpression:
                return cloudwatch.MathExpression(
                    expression="attempts - successes",
                    using_metrics={"attempts": cognito(name, "SampleCount", "attempts"), "successes": cognito(name, "Sum", "successes")},
                    label=label, period=FIVE_MINUTES,
                )

            auth_widgets = [
                _graph("Sign-ups", [cognito("SignUpSuccesses", "Sum", "sign-ups")], [failures("SignUpSuccesses", "failed sign-ups")], width=8),
                _graph("Sign-ins", [cognito("SignInSuccesses", "Sum", "sign-ins")], [failures("SignInSuccesses", "failed sign-ins")], width=8),
            ]
            if user_sync_failures is not None:
                auth_widgets.append(_graph("Users not written to the database", [user_sync_failures], width=8))
            self.dashboard.add_widgets(*auth_widgets)
        elif failed_logins is not None:
            self.dashboard.add_widgets(
                _graph("Failed sign-ins", [failed_logins], width=16),
                cloudwatch.TextWidget(
                    markdown="The application signs its own tokens (auth mode custom-jwt): failed sign-ins are the lines with "
                             "`LOGIN_FAILED` it writes to the API's log; successful ones are in that log too.",
                    width=8, height=HEIGHT,
                ),
            )
        else:
            self.dashboard.add_widgets(cloudwatch.TextWidget(
                markdown="The application signs its own tokens (auth mode custom-jwt): sign-ins are in the API's logs.",
                width=WIDTH, height=2,
            ))

        if cost_panel:
            # Billing metrics are the account's (every environment in it), in us-east-1 only, every
            # few hours; AWS Budgets, which follows this environment's tags, has no metric to graph.
            charges = cloudwatch.Metric(namespace="AWS/Billing", metric_name="EstimatedCharges", dimensions_map={"Currency": "USD"},
                                        statistic="Maximum", period=Duration.hours(6), region=BILLING_METRICS_REGION,
                                        label="account, this month so far")
            budget = (f"This environment's budget: ${monthly_budget_usd} a month (AWS Budgets, by its tags), warnings at 80 % and "
                      "100 % of it and on a forecast above it." if monthly_budget_usd else "This environment has no budget.")
            self.dashboard.add_widgets(_row_title("Cost"))
            self.dashboard.add_widgets(
                _graph("Estimated charges (USD)", [charges], width=16),
                cloudwatch.TextWidget(
                    markdown="The account's charges, every environment in it, shown once billing alerts are on in the account's "
                             f"billing preferences. {budget} `make cost` estimates each environment.",
                    width=8, height=HEIGHT,
                ),
            )
