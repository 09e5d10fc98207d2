"""Physical names within AWS's length limits."""

from __future__ import annotations

import hashlib

HASH_LENGTH = 8


def bounded_name(name: str, limit: int) -> str:
    """``name`` when it fits ``limit`` characters; otherwise its beginning and a hash of the
    whole name, so two long names that share a beginning (``…-database-stop`` and
    ``…-database-start`` cut at 64) stay distinct instead of colliding or being refused."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: limit - HASH_LENGTH - 1].rstrip('-')}-{digest}"
