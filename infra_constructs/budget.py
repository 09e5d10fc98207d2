"""AWS Budgets: a monthly cost budget with alerts (SpendWise: "budget alarms";
docs/requirements.md R21)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_sns as sns
from constructs import Construct


class CostBudget(Construct):
    """A monthly cost budget of ``limit_usd`` over the costs carrying every tag in ``tags``
    (key -> value; cost allocation tags must be activated in the billing console once).

    Notifies ``topic`` when actual costs pass each of ``actual_percents`` and when the
    month's forecast passes ``forecast_percent`` of the limit. Exposes ``budget``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        budget_name: str,
        limit_usd: int,
        tags: Mapping[str, str],
        topic: sns.ITopic,
        actual_percents: Sequence[int] = (80, 100),
        forecast_percent: int = 100,
    ) -> None:
        super().__init__(scope, construct_id)
        conditions = [
            budgets.CfnBudget.ExpressionProperty(tags=budgets.CfnBudget.TagValuesProperty(key=key, values=[value]))
            for key, value in tags.items()
        ]
        filter_expression = conditions[0] if len(conditions) == 1 else budgets.CfnBudget.ExpressionProperty(and_=conditions)
        alerts = [("ACTUAL", percent) for percent in actual_percents] + [("FORECASTED", forecast_percent)]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
                filter_expression=filter_expression,
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=[budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)],
                )
                for kind, percent in alerts
            ],
        )
