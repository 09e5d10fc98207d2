"""Base class of every stack: knows its environment's configuration."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from config.schema import EnvironmentConfig


class EnvironmentStack(Stack):
    """A stack of one environment.

    Availability zones come from the configuration: a plain ``Stack`` with an explicit
    account asks AWS for them (a context lookup), which synthesis must never do.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        self._configured_azs = list(config.network.availability_zones)
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

    @property
    def availability_zones(self) -> list[str]:
        return self._configured_azs
