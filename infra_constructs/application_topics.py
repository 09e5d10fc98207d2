"""SNS topics the application publishes to (StockPilot: stock alerts, order
notifications; docs/requirements.md R19)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra_constructs.topics import encrypted_topic


def topic_setting(name: str) -> str:
    """The setting that carries a topic's ARN to the application: "stock-alerts" -> STOCK_ALERTS_TOPIC_ARN."""
    return f"{name.upper().replace('-', '_')}_TOPIC_ARN"


class ApplicationTopics(Construct):
    """One SNS topic per entry of ``topics`` (name -> email subscribers), named
    ``<name_prefix>-<name>``, encrypted with one customer-managed key, TLS only.

    Exposes ``key``, ``topics`` (name -> topic), ``settings`` (setting name -> topic ARN, for
    the application's configuration) and ``publish_policy``: the managed policy the compute
    tier attaches to the application's role (publish to these topics, nothing else).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        topics: Mapping[str, Sequence[str]],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(self, "Key", description=f"Encrypts the {name_prefix} application topics",
                           enable_key_rotation=True, removal_policy=removal_policy)
        self.topics: dict[str, sns.Topic] = {}
        for name, emails in topics.items():
            self.topics[name] = encrypted_topic(self, name, topic_name=f"{name_prefix}-{name}", key=self.key, emails=emails)
        self.settings = {topic_setting(name): topic.topic_arn for name, topic in self.topics.items()}
        self.publish_policy = iam.ManagedPolicy(
            self,
            "PublishPolicy",
            description="The application publishes to its own SNS topics",
            statements=[
                iam.PolicyStatement(actions=["sns:Publish"], resources=[t.topic_arn for t in self.topics.values()]),
                # Publishing to an encrypted topic encrypts with its key.
                iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key.key_arn]),
            ],
        )
