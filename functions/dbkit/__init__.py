"""Database access shared by the Lambda functions.

Credentials come from the Secrets Manager secret RDS generated (``SECRET_ARN``); the
connection is TLS with the server certificate verified against the RDS CA bundle that
`make functions` puts next to the code (``rds-ca-bundle.pem``).
"""

from __future__ import annotations

import json
import os
import ssl
from pathlib import Path
from typing import Any

import pg8000.native

CA_BUNDLE = Path(__file__).resolve().parent.parent / "rds-ca-bundle.pem"
# Seconds to wait for the connection (the Cognito trigger sets less: Cognito waits 5 s in all).
CONNECT_TIMEOUT_SECONDS = float(os.environ.get("DB_CONNECT_TIMEOUT_SECONDS", "5"))


def read_secret(secret_arn: str) -> dict[str, Any]:
    import boto3  # in the Lambda runtime; imported here so tests need no AWS SDK

    client = boto3.client("secretsmanager")
    return json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(CA_BUNDLE))
    context.check_hostname = True
    return context


def connect(secret: dict[str, Any], *, database: str | None = None) -> pg8000.native.Connection:
    """Open a verified-TLS connection with the credentials of an RDS-generated secret."""
    return pg8000.native.Connection(
        user=secret["username"],
        password=secret["password"],
        host=secret["host"],
        port=int(secret.get("port", 5432)),
        database=database or secret.get("dbname") or os.environ.get("DATABASE_NAME", "postgres"),
        ssl_context=tls_context(),
        timeout=CONNECT_TIMEOUT_SECONDS,
        application_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "webapp-function"),
    )


def connect_from_environment() -> pg8000.native.Connection:
    return connect(read_secret(os.environ["SECRET_ARN"]))
