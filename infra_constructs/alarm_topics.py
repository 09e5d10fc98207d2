"""Where alarms go: an encrypted SNS topic per severity, with email subscribers."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra_constructs.topics import encrypted_topic

# AWS services that publish to the alarm topics: CloudWatch alarms and AWS Budgets (cost
# alerts), which tell KMS on whose behalf they act (aws:SourceAccount) ...
ACCOUNT_SCOPED_PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
# ... and EventBridge (secret rotation failures), whose delivery does not carry
# aws:SourceAccount to KMS (AWS documents it as not supported there): conditioning its key
# grant on it would drop every notification silently.
EVENTBRIDGE = "events.amazonaws.com"


class Severity(StrEnum):
    """CRITICAL pages someone now (users are affected or about to be); WARNING is read during
    working hours (something degrades). BankApp sorts its alarms this way
    (docs/requirements.md R17)."""

    CRITICAL = "critical"
    WARNING = "warning"


def admit_alarm_publishers(key: kms.Key) -> None:
    """Let the services that publish to alarm topics use ``key``: an encrypted topic only
    receives from services that may use its key; on behalf of this account only, where the
    service says on whose behalf it acts. Called in the key's own stack (for a shared key: where
    it is created), so no other stack edits its policy."""
    account = Stack.of(key).account
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AlarmPublishersUseKey",
            principals=[iam.ServicePrincipal(service) for service in ACCOUNT_SCOPED_PUBLISHERS],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": account}},
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgeUsesKey",
            principals=[iam.ServicePrincipal(EVENTBRIDGE)],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
        )
    )


class AlarmTopics(Construct):
    """One SNS topic per ``Severity`` (``<name_prefix>-alarms-<severity>``), encrypted with a
    customer-managed key that CloudWatch, AWS Budgets and EventBridge of this account may use,
    TLS-only, with ``emails[severity]`` subscribed.

    ``key``: an existing key of the same region whose policy already admits those publishers
    (``admit_alarm_publishers``, in the key's own stack), e.g. the environment's logs key: one
    key less ($1 a month). Without it the topics get a key of their own, removed by
    ``removal_policy``.

    Exposes ``key``, ``topics`` (severity -> topic) and ``actions(severity)`` for alarms.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        emails: dict[Severity, Sequence[str]],
        removal_policy: RemovalPolicy,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        self.key: kms.IKey
        if key is None:
            own = kms.Key(
                self,
                "Key",
                description=f"Encrypts the {name_prefix} alarm topics",
                enable_key_rotation=True,
                removal_policy=removal_policy,
            )
            admit_alarm_publishers(own)
            self.key = own
        else:
            # A view by ARN: grants made here (an EventBridge target grants itself the topic's
            # key) then leave the key's policy, and so its stack's template, alone.
            self.key = kms.Key.from_key_arn(self, "SharedKey", key.key_arn)
        self.topics: dict[Severity, sns.Topic] = {}
        for severity in Severity:
            topic = encrypted_topic(self, severity.value.capitalize(), topic_name=f"{name_prefix}-alarms-{severity.value}",
                                    key=self.key, emails=emails.get(severity, ()))
            # CloudWatch alarms of this account publish without a topic policy; Budgets and
            # EventBridge need one (EventBridge rules add theirs when they target the topic).
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="BudgetsPublish",
                    principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={"StringEquals": {"aws:SourceAccount": account}},
                )
            )
            self.topics[severity] = topic

    def actions(self, severity: Severity) -> list[cloudwatch.IAlarmAction]:
        return [cw_actions.SnsAction(self.topics[severity])]
