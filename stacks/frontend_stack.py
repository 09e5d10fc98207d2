"""Frontend tier: what changes with every frontend release."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from config.derived import site_path
from config.schema import EnvironmentConfig
from infra_constructs.amplify_hosting import AmplifyBranch
from infra_constructs.site_deployment import SiteDeployment
from stacks.base import EnvironmentStack
from stacks.handoffs import AuthHandoff, EdgeHandoff
from stacks.settings import stateful_removal


class FrontendStack(EnvironmentStack):
    """Composes a ``SiteDeployment`` of ``edge.site_directory`` into the edge tier's site
    bucket (SPA), or the environment's ``AmplifyBranch`` (Amplify). Both carry what the
    frontend must know about its environment: the API's URL and the user pool's IDs
    (``config.json`` next to index.html, or build-time ``NEXT_PUBLIC_*`` variables), which
    is why this comes after the auth tier, and the edge tier before it.

    Exposes ``deployment`` and ``branch`` (one of them None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        edge: EdgeHandoff,
        auth: AuthHandoff,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        settings = self._frontend_settings(edge, auth, region=self.region, same_origin_api=edge.site_bucket is not None)
        self.deployment: SiteDeployment | None = None
        self.branch: AmplifyBranch | None = None
        if edge.site_bucket is not None:
            assert edge.site_uploader is not None  # the edge tier creates both or neither
            self.deployment = SiteDeployment(
                self,
                "Site",
                directory=site_path(config),
                bucket=edge.site_bucket,
                distribution=edge.distribution,
                uploader=edge.site_uploader,
                runtime_config=settings,
            )
        else:
            assert edge.amplify is not None
            self.branch = AmplifyBranch(
                self,
                "Branch",
                app=edge.amplify,
                branch_name=config.amplify_git_branch,
                production=config.production,
                environment={f"NEXT_PUBLIC_{_screaming(k)}": v for k, v in settings.items() if isinstance(v, str)},
                basic_auth=config.edge.amplify_basic_auth,
                domain_name=config.host_name,
                removal_policy=stateful_removal(config),
            )
            if self.branch.basic_auth_secret is not None:
                CfnOutput(self, "BasicAuthSecret", value=self.branch.basic_auth_secret.secret_name,
                          description="Password of the site's basic auth (user 'preview')")
            CfnOutput(self, "BranchUrl", value=self.branch.url)

    @staticmethod
    def _frontend_settings(edge: EdgeHandoff, auth: AuthHandoff, *, region: str, same_origin_api: bool) -> dict[str, str]:
        """What the frontend needs at run time (SPA) or build time (Next.js). The SPA shares
        its origin with the API (relative URL, whichever name it is reached by); a Next.js
        site on Amplify calls the API's distribution."""
        settings = {"region": region, "apiUrl": "/api" if same_origin_api else edge.api_url, "webSocketPath": "/ws",
                    "authMode": "custom-jwt"}
        if auth.user_pool is not None:
            pool = auth.user_pool
            settings |= {
                "authMode": "cognito",
                "userPoolId": pool.user_pool_id,
                "userPoolClientId": pool.client_id,
                "hostedUiDomain": pool.hosted_ui_domain,
            }
        return settings


def _screaming(camel: str) -> str:
    """``userPoolId`` -> ``USER_POOL_ID``."""
    return "".join(f"_{c}" if c.isupper() else c for c in camel).upper()
