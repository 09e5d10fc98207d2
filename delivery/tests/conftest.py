"""The delivery scripts against moto (in-process ``mock_aws``: no server, no network), run in
.venv-delivery by tests/test_delivery.py (boto3 cannot join .venv: docs/dependencies.md)."""

from __future__ import annotations

import os

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"


@pytest.fixture
def session(monkeypatch):
    """A boto3 session on moto, whatever AWS settings the machine has."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.Session(region_name=REGION)
