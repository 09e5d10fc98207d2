"""Interface VPC endpoints for AWS services, behind their own security group."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct


class InterfaceEndpoints(Construct):
    """One interface endpoint per service name (``"ecr.api"``, ``"logs"``, ...), with
    private DNS so SDKs use it without configuration, in the given subnets.

    Exposes ``endpoints``: service name -> endpoint.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        services: list[str],
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in services:
            construct_name = "".join(part.capitalize() for part in service.replace("-", ".").split("."))
            self.endpoints[service] = ec2.InterfaceVpcEndpoint(
                self,
                construct_name,
                vpc=vpc,
                service=ec2.InterfaceVpcEndpointAwsService(service),
                subnets=subnets,
                security_groups=[security_group],
                private_dns_enabled=True,
                # Rules come from the shared endpoints security group, not "open to the VPC".
                open=False,
            )
