"""SNS topics as every topic of the project is made."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


def encrypted_topic(scope: Construct, construct_id: str, *, topic_name: str, key: kms.IKey, emails: Sequence[str]) -> sns.Topic:
    """Topic ``topic_name`` encrypted with ``key``, refusing non-TLS requests, with ``emails``
    subscribed (each address confirms once)."""
    topic = sns.Topic(scope, construct_id, topic_name=topic_name, display_name=topic_name.replace("-", " "),
                      master_key=key, enforce_ssl=True)
    for address in emails:
        topic.add_subscription(subscriptions.EmailSubscription(address))
    return topic
