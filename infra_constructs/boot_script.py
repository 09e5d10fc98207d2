"""The EC2 variant's user data: Nginx in front of a Node.js app under PM2 and systemd.

Rendered as plain text from keyword arguments, so a test can read the Nginx
configuration and the units without synthesizing anything. Values may be CDK tokens
(ARNs, names); CloudFormation fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# PM2 from the npm registry, pinned so every instance runs the same supervisor.
PM2_VERSION = "7.0.4"
NODE_MAJOR = 22
APP_DIR = "/opt/webapp"
ENV_FILE = "/etc/webapp/environment"
APP_LOG = "/var/log/webapp/app.log"


@dataclass(frozen=True)
class SecretSource:
    """A secret the boot script reads into one environment variable."""

    secret_arn: str
    # JSON field of the secret, or None for the whole string.
    field: str | None


def render_nginx_config(*, listen_port: int, process_port: int, idle_timeout_seconds: int) -> str:
    """Nginx as the reverse proxy: WebSocket upgrade on /ws, keep-alive to the app."""
    return f"""# Managed by the compute tier (user data). Nginx -> Node.js on 127.0.0.1:{process_port}.
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}

upstream webapp {{
    server 127.0.0.1:{process_port};
    keepalive 32;
}}

server {{
    listen {listen_port} default_server;
    server_tokens off;
    client_max_body_size 10m;
    # Longer than the load balancer's idle timeout, so Nginx never closes a connection first.
    keepalive_timeout {idle_timeout_seconds + 5}s;

    location /ws {{
        proxy_pass http://webapp;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
        proxy_read_timeout {idle_timeout_seconds}s;
        proxy_send_timeout {idle_timeout_seconds}s;
        proxy_buffering off;
    }}

    location / {{
        proxy_pass http://webapp;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
        proxy_read_timeout 60s;
    }}
}}
"""


def render_boot_script(
    *,
    region: str,
    architecture: str,
    listen_port: int,
    process_port: int,
    health_check_path: str,
    idle_timeout_seconds: int,
    environment: Mapping[str, str],
    parameter_path: str,
    secrets: Mapping[str, SecretSource],
    placeholder_script: str,
    release_bundle_uri: str | None,
    log_group_name: str,
    xray_tracing: bool,
) -> str:
    """The user data's commands: install, configure, start, and exit 0 only once the
    health check answers (the caller adds the shebang and the cfn-signal exit trap).

    ``release_bundle_uri`` (s3://...tar.gz) holds the team's app with its node_modules and
    an ``ecosystem.config.js`` or a ``server.js``; without it the placeholder API runs.
    """
    static_env = {
        "NODE_ENV": "production",
        "PORT": str(process_port),
        "HEALTH_CHECK_PATH": health_check_path,
        "LB_IDLE_TIMEOUT_SECONDS": str(idle_timeout_seconds),
        **({"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"} if xray_tracing else {}),
        **environment,
    }
    static_lines = "\n".join(f"  echo {_shell_quote(f'{k}={v}')}" for k, v in static_env.items())
    secret_lines = "\n".join(
        f"  secret_value {_shell_quote(name)} {_shell_quote(src.secret_arn)} {_shell_quote(src.field or '')}"
        for name, src in secrets.items()
    )
    if release_bundle_uri:
        install_app = f"""aws s3 cp --region {region} {_shell_quote(release_bundle_uri)} /tmp/release.tar.gz
tar -xzf /tmp/release.tar.gz -C {APP_DIR}/current
rm -f /tmp/release.tar.gz"""
    else:
        install_app = f"""cat > {APP_DIR}/current/server.js <<'WEBAPP_PLACEHOLDER'
{placeholder_script.rstrip()}
WEBAPP_PLACEHOLDER"""
    xray_install = ""
    if xray_tracing:
        rpm = "aws-xray-daemon-arm64-3.x.rpm" if architecture == "arm64" else "aws-xray-daemon-3.x.rpm"
        xray_install = f"""
# X-Ray daemon (listens on 127.0.0.1:2000/udp, sends with the instance role).
dnf install -y https://s3.{region}.amazonaws.com/aws-xray-assets.{region}/xray-daemon/{rpm}
systemctl enable --now xray
"""
    nginx = render_nginx_config(listen_port=listen_port, process_port=process_port, idle_timeout_seconds=idle_timeout_seconds)
    return f"""# Boot script of the API instances (compute tier). Any failure signals CloudFormation,
# which rolls the update back instead of leaving a half-configured instance in service.
set -euo pipefail

# aws-cfn-bootstrap provides cfn-signal for the exit trap.
dnf install -y aws-cfn-bootstrap nginx nodejs{NODE_MAJOR} nodejs{NODE_MAJOR}-npm jq amazon-cloudwatch-agent logrotate
useradd --system --home-dir {APP_DIR} --shell /sbin/nologin webapp || true
mkdir -p {APP_DIR}/current {APP_DIR}/bin /etc/webapp /var/log/webapp
npm-{NODE_MAJOR} install --prefix /opt/pm2 --omit=dev --no-fund --no-audit pm2@{PM2_VERSION}
{xray_install}
# The application: the release bundle, or the placeholder API until one exists.
{install_app}
if [ ! -f {APP_DIR}/current/ecosystem.config.js ]; then
  cat > {APP_DIR}/current/ecosystem.config.js <<'WEBAPP_ECOSYSTEM'
module.exports = {{ apps: [{{ name: "api", script: "server.js", cwd: __dirname, exec_mode: "fork", instances: 1, kill_timeout: 10000 }}] }};
WEBAPP_ECOSYSTEM
fi
chown -R webapp:webapp {APP_DIR} /var/log/webapp

# Settings and secrets, fetched on every start of the service (a restart picks up rotations).
cat > {APP_DIR}/bin/fetch-settings.sh <<'WEBAPP_FETCH'
#!/bin/bash
set -euo pipefail
umask 077
secret_value() {{
  local name="$1" arn="$2" field="$3" value
  value="$(aws secretsmanager get-secret-value --region {region} --secret-id "$arn" --query SecretString --output text)"
  if [ -n "$field" ]; then value="$(jq -r --arg f "$field" '.[$f]' <<<"$value")"; fi
  printf "%s='%s'\\n" "$name" "$value"
}}
{{
{static_lines}
  aws ssm get-parameters-by-path --region {region} --path {_shell_quote(parameter_path)} --recursive \\
    --query 'Parameters[].[Name,Value]' --output text |
    while IFS=$'\\t' read -r name value; do printf "%s='%s'\\n" "${{name##*/}}" "$value"; done
{secret_lines}
}} > {ENV_FILE}.new
mv {ENV_FILE}.new {ENV_FILE}
WEBAPP_FETCH
chmod 0700 {APP_DIR}/bin/fetch-settings.sh

cat > /etc/systemd/system/webapp-settings.service <<'WEBAPP_UNIT'
[Unit]
Description=Fetch the API's settings from SSM Parameter Store and Secrets Manager
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart={APP_DIR}/bin/fetch-settings.sh
WEBAPP_UNIT

cat > /etc/systemd/system/webapp.service <<'WEBAPP_UNIT'
[Unit]
Description=The API under PM2
Requires=webapp-settings.service
After=webapp-settings.service

[Service]
User=webapp
Group=webapp
WorkingDirectory={APP_DIR}/current
EnvironmentFile={ENV_FILE}
Environment=PM2_HOME={APP_DIR}/.pm2
ExecStart=/opt/pm2/node_modules/.bin/pm2-runtime start {APP_DIR}/current/ecosystem.config.js
Restart=always
RestartSec=5
StandardOutput=append:{APP_LOG}
StandardError=append:{APP_LOG}
NoNewPrivileges=true
ProtectSystem=full
PrivateTmp=true

[Install]
WantedBy=multi-user.target
WEBAPP_UNIT

cat > /etc/logrotate.d/webapp <<'WEBAPP_LOGROTATE'
{APP_LOG} {{
    daily
    rotate 3
    compress
    missingok
    copytruncate
}}
WEBAPP_LOGROTATE

cat > /etc/nginx/conf.d/webapp.conf <<'WEBAPP_NGINX'
{nginx.rstrip()}
WEBAPP_NGINX

# CloudWatch agent: the app's and Nginx's logs to the API log group, memory and disk metrics
# (also per Auto Scaling group: the memory alarm reads that aggregate).
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'WEBAPP_CWAGENT'
{{
  "logs": {{"logs_collected": {{"files": {{"collect_list": [
    {{"file_path": "{APP_LOG}", "log_group_name": "{log_group_name}", "log_stream_name": "{{instance_id}}/app"}},
    {{"file_path": "/var/log/nginx/access.log", "log_group_name": "{log_group_name}", "log_stream_name": "{{instance_id}}/nginx-access"}},
    {{"file_path": "/var/log/nginx/error.log", "log_group_name": "{log_group_name}", "log_stream_name": "{{instance_id}}/nginx-error"}}
  ]}}}}}},
  "metrics": {{"namespace": "CWAgent", "append_dimensions": {{"AutoScalingGroupName": "${{aws:AutoScalingGroupName}}"}},
    "aggregation_dimensions": [["AutoScalingGroupName"]],
    "metrics_collected": {{"mem": {{"measurement": ["mem_used_percent"]}}, "disk": {{"measurement": ["used_percent"], "resources": ["/"]}}}}}}
}}
WEBAPP_CWAGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

systemctl daemon-reload
systemctl enable --now nginx webapp

# Healthy means: the health check answers through Nginx, as the load balancer will ask it.
for attempt in $(seq 1 60); do
  if curl -fsS -o /dev/null "http://127.0.0.1:{listen_port}{health_check_path}"; then exit 0; fi
  sleep 5
done
echo "the API did not answer {health_check_path} within 5 minutes" >&2
exit 1
"""


def _shell_quote(value: str) -> str:
    """Single-quote for bash (tokens stay intact: they contain no quotes)."""
    return "'" + value.replace("'", "'\"'\"'") + "'"
