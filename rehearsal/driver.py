"""The deploy rehearsal: the real CDK CLI against the emulator, step by step (docs/rehearsal.md).

    .venv-rehearsal/bin/python -m rehearsal.driver [--env dev] [--profile NAME] [--branch NAME | --no-branch]

Steps: emulator, synth, bootstrap, deploy, redeploy, diff, branch (deploy, check the
parent, destroy), destroy (and what is left). One line per step with its time; on a
failure, the step's log and exit status 1. The emulator is stopped whatever happens.
``--app DIR`` runs the same steps on a ready cloud assembly (the tests' small apps).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
# moto's default account: the app's stacks name it, so the CLI's account and theirs match.
ACCOUNT = "123456789012"
GLOBAL_REGION = "us-east-1"
COMPLETE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


class StepFailed(Exception):
    pass


@dataclass
class Environment:
    """One environment (or branch environment) as the CLI selects it."""

    label: str
    context: list[str]  # CLI arguments that choose it: -c env=dev ... or --app DIR
    assembly: Path | None = None
    stacks: dict[str, dict] = field(default_factory=dict)  # stack name -> {region, template}

    @property
    def app(self) -> list[str]:
        """The synthesized assembly, for the CLI (the same templates the context gives)."""
        return ["--app", str(self.assembly)]

    def read_assembly(self, assembly: Path) -> None:
        self.assembly = assembly
        manifest = json.loads((assembly / "manifest.json").read_text())
        self.stacks = {}
        for artifact in manifest["artifacts"].values():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            properties = artifact["properties"]
            region = artifact["environment"].split("/")[-1]
            template = json.loads((assembly / properties["templateFile"]).read_text())
            self.stacks[properties.get("stackName") or artifact["displayName"]] = {
                "region": GLOBAL_REGION if region == "unknown-region" else region, "template": template}


class Rehearsal:
    def __init__(self, work: Path, *, emulator_env: dict | None = None) -> None:
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state_file = work / "emulator-state.json"
        self.emulator: subprocess.Popen | None = None
        self.endpoint = ""
        self.emulator_env = emulator_env or {}
        self.step_number = 0
        self.log: Path = self.logs / "00-none.log"

    # --- running things --------------------------------------------------------------------

    def step(self, name: str, action: Callable[[], str | None]) -> None:
        self.step_number += 1
        self.log = self.logs / f"{self.step_number:02d}-{name}.log"
        self.log.write_text("")
        started = time.monotonic()
        try:
            detail = action() or ""
        except Exception as error:  # noqa: BLE001 - every failure ends the rehearsal with its log
            elapsed = time.monotonic() - started
            print(f"FAIL {name:<10} {elapsed:6.1f}s  {error}", flush=True)
            with self.log.open("a") as handle:
                handle.write(f"\n{type(error).__name__}: {error}\n")
            tail = self.log.read_text().splitlines()[-60:]
            print(f"--- {self.log.relative_to(self.work.parent) if self.work.parent in self.log.parents else self.log} "
                  "(last 60 lines) ---", flush=True)
            print("\n".join(tail), flush=True)
            raise StepFailed(name) from error
        print(f"ok   {name:<10} {time.monotonic() - started:6.1f}s  {detail}", flush=True)

    def cli_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        env |= {
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal",
            "AWS_REGION": GLOBAL_REGION, "AWS_DEFAULT_REGION": GLOBAL_REGION,
            # Nothing of the machine's own AWS configuration may take part.
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        }
        return env

    def cdk(self, *args: str, timeout: int = 600) -> str:
        command = [str(CDK), *args, "--no-notices", "--no-color"]
        with self.log.open("a") as handle:
            handle.write(f"$ cdk {' '.join(args)}\n")
            handle.flush()
            result = subprocess.run(command, cwd=ROOT, env=self.cli_env(), stdout=handle, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, timeout=timeout, text=True)
        if result.returncode != 0:
            raise StepFailed(f"cdk {args[0]} exited {result.returncode}")
        return self.log.read_text()

    def cdk_background(self, log: Path, *args: str) -> subprocess.Popen:
        handle = log.open("w")
        handle.write(f"$ cdk {' '.join(args)}\n")
        handle.flush()
        return subprocess.Popen([str(CDK), *args, "--no-notices", "--no-color"], cwd=ROOT, env=self.cli_env(),
                                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)

    def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.endpoint, aws_access_key_id="rehearsal",
                            aws_secret_access_key="rehearsal")

    # --- the emulator ------------------------------------------------------------------------

    def start_emulator(self) -> str:
        port_file = self.work / "emulator.port"
        port_file.unlink(missing_ok=True)
        env = {**os.environ, "REHEARSAL_STATE": str(self.state_file), **self.emulator_env}
        env["PYTHONPATH"] = str(ROOT)
        with self.log.open("a") as handle:
            self.emulator = subprocess.Popen(
                [sys.executable, "-m", "rehearsal.emulator", "--port-file", str(port_file)],
                cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if self.emulator.poll() is not None:
                raise StepFailed(f"the emulator exited with {self.emulator.returncode}")
            if time.monotonic() > deadline:
                raise StepFailed("the emulator did not listen within 60 s")
            time.sleep(0.1)
        self.endpoint = f"http://127.0.0.1:{port_file.read_text().strip()}"
        self.client("sts").get_caller_identity()
        return f"moto 5.2.5 + rehearsal/emulator on {self.endpoint}"

    def stop_emulator(self) -> None:
        if self.emulator is None or self.emulator.poll() is not None:
            return
        os.killpg(self.emulator.pid, signal.SIGTERM)
        try:
            self.emulator.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.emulator.pid, signal.SIGKILL)
            self.emulator.wait()

    # --- reading the emulated account -------------------------------------------------------

    def stack(self, name: str, region: str) -> dict | None:
        cfn = self.client("cloudformation", region)
        try:
            return cfn.describe_stacks(StackName=name)["Stacks"][0]
        except cfn.exceptions.ClientError:
            return None

    def physical_ids(self, env: Environment) -> dict[str, dict[str, str]]:
        ids = {}
        for name, info in env.stacks.items():
            rows = self.client("cloudformation", info["region"]).list_stack_resources(StackName=name)
            ids[name] = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in rows["StackResourceSummaries"]}
        return ids

    def verify_deployed(self, env: Environment) -> str:
        """Every stack complete, every resource of its template there, every output resolved."""
        problems, resources, outputs = [], 0, 0
        for name, info in env.stacks.items():
            stack = self.stack(name, info["region"])
            if stack is None or stack["StackStatus"] not in COMPLETE:
                problems.append(f"{name}: {stack['StackStatus'] + ' ' + stack.get('StackStatusReason', '') if stack else 'missing'}")
                continue
            template = info["template"]
            expected_outputs = {k for k, v in template.get("Outputs", {}).items() if "Condition" not in v}
            got = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or []}
            for key in sorted(expected_outputs - set(got)):
                problems.append(f"{name}: output {key} missing")
            for key, value in got.items():
                if value in (None, "") or "{{resolve:" in str(value) or "Fn::" in str(value):
                    problems.append(f"{name}: output {key} unresolved: {value!r}")
            listed = self.client("cloudformation", info["region"]).list_stack_resources(StackName=name)
            present = {r["LogicalResourceId"] for r in listed["StackResourceSummaries"]}
            expected = {k for k, v in template.get("Resources", {}).items() if "Condition" not in v}
            for key in sorted(expected - present):
                problems.append(f"{name}: resource {key} ({template['Resources'][key]['Type']}) not created")
            resources += len(present)
            outputs += len(got)
        problems += self.verify_custom_resources(env)
        if problems:
            raise StepFailed("; ".join(problems[:10]) + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""))
        return f"{len(env.stacks)} stacks complete, {resources} resources, {outputs} outputs resolved"

    def verify_custom_resources(self, env: Environment) -> list[str]:
        """What the in-process handlers did: the migrations ran for every stack that has them,
        and every bucket deployment's files are in their bucket, deploy-time values substituted."""
        problems = []
        events = json.loads(self.state_file.read_text()).get("custom", []) if self.state_file.exists() else []
        s3 = self.client("s3")
        for name, info in env.stacks.items():
            for logical_id, resource in info["template"].get("Resources", {}).items():
                if resource["Type"] not in ("Custom::SchemaMigrations", "Custom::CDKBucketDeployment"):
                    continue
                ran = [e for e in events if e["stack"] == name and e["logical_id"] == logical_id and e["request"] != "Delete"]
                if not ran:
                    problems.append(f"{name}: {logical_id} ({resource['Type']}) never ran")
                    continue
                with self.log.open("a") as handle:
                    handle.write(f"{name} {logical_id} {resource['Type']}: {ran[-1]['request']} -> {ran[-1]['data']}\n")
                if resource["Type"] == "Custom::CDKBucketDeployment":
                    bucket = ran[-1]["bucket"]
                    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
                    if not keys:
                        problems.append(f"{name}: {logical_id} put nothing into {bucket}")
                    for key in keys:
                        if key.endswith((".json", ".html", ".js")) and b"<<marker:" in s3.get_object(Bucket=bucket, Key=key)["Body"].read():
                            problems.append(f"{name}: {bucket}/{key} still holds a deploy-time marker")
        return problems

    def inventory(self, regions: set[str]) -> set[tuple[str, str]]:
        """(kind, id) of what the emulated account holds, to compare before and after."""
        found: set[tuple[str, str]] = set()
        s3 = self.client("s3")
        found |= {("s3 bucket", b["Name"]) for b in s3.list_buckets().get("Buckets", [])}
        iam = self.client("iam")
        found |= {("iam role", r["RoleName"]) for r in iam.list_roles()["Roles"]}
        found |= {("iam policy", p["Arn"]) for p in iam.list_policies(Scope="Local")["Policies"]}
        for region in sorted(regions):
            kms = self.client("kms", region)
            # AWS-managed keys (alias/aws/ebs, made on the first encrypted volume) are the account's.
            managed = {a["TargetKeyId"] for a in kms.list_aliases()["Aliases"]
                       if a["AliasName"].startswith("alias/aws/") and "TargetKeyId" in a}
            for key in kms.list_keys()["Keys"]:
                metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
                if key["KeyId"] not in managed and metadata.get("KeyManager") != "AWS" \
                        and metadata["KeyState"] not in ("PendingDeletion", "PendingReplicaDeletion"):
                    found.add((f"kms key ({region})", key["KeyArn"]))
            found |= {(f"log group ({region})", g["logGroupName"])
                      for g in self.client("logs", region).describe_log_groups().get("logGroups", [])}
            found |= {(f"lambda function ({region})", f["FunctionName"])
                      for f in self.client("lambda", region).list_functions()["Functions"]}
            found |= {(f"secret ({region})", s["ARN"])
                      for s in self.client("secretsmanager", region).list_secrets()["SecretList"]}
            ec2 = self.client("ec2", region)
            found |= {(f"vpc ({region})", v["VpcId"]) for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")}
            found |= {(f"instance ({region})", i["InstanceId"])
                      for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
                      if i["State"]["Name"] not in ("terminated", "shutting-down")}
            found |= {(f"db instance ({region})", d["DBInstanceIdentifier"])
                      for d in self.client("rds", region).describe_db_instances()["DBInstances"]}
            found |= {(f"db snapshot ({region})", d["DBSnapshotIdentifier"])
                      for d in self.client("rds", region).describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]}
            found |= {(f"load balancer ({region})", lb["LoadBalancerArn"])
                      for lb in self.client("elbv2", region).describe_load_balancers()["LoadBalancers"]}
            ecs = self.client("ecs", region)
            arns = ecs.list_clusters()["clusterArns"]
            found |= {(f"ecs cluster ({region})", c["clusterArn"])
                      for c in (ecs.describe_clusters(clusters=arns)["clusters"] if arns else []) if c["status"] != "INACTIVE"}
            found |= {(f"sns topic ({region})", t["TopicArn"]) for t in self.client("sns", region).list_topics()["Topics"]}
            found |= {(f"sns subscription ({region})", x["SubscriptionArn"])
                      for x in self.client("sns", region).list_subscriptions()["Subscriptions"]}
            found |= {(f"user pool ({region})", p["Id"])
                      for p in self.client("cognito-idp", region).list_user_pools(MaxResults=60)["UserPools"]}
            # /aws/... are AWS's public parameters (moto lists them once they have been read).
            found |= {(f"ssm parameter ({region})", p["Name"])
                      for p in self.client("ssm", region).describe_parameters()["Parameters"] if not p["Name"].startswith("/aws/")}
            found |= {(f"ecr repository ({region})", r["repositoryName"])
                      for r in self.client("ecr", region).describe_repositories()["repositories"]}
        route53 = self.client("route53")
        for zone in route53.list_hosted_zones()["HostedZones"]:
            found.add(("hosted zone", zone["Id"]))
            found |= {("dns record", f"{zone['Id']} {rr['Name']} {rr['Type']}")
                      for rr in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
                      if rr["Type"] not in ("NS", "SOA")}
        for region in sorted(regions):
            found |= {(f"certificate ({region})", c["CertificateArn"])
                      for c in self.client("acm", region).list_certificates()["CertificateSummaryList"]}
        if self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            found |= {(f"stand-in {s['type']} ({s['region']})", s["physical_id"]) for s in state["standins"]}
        return found

    def retained(self) -> list[dict]:
        return json.loads(self.state_file.read_text())["retained"] if self.state_file.exists() else []


# --- the steps -------------------------------------------------------------------------------

def hosted_zones(*envs: Environment) -> dict[str, str]:
    """Hosted zone ID -> domain, for the zones the templates name by ID (records, certificate
    validation): the domain is the shortest record name under the zone less its first label."""
    names: dict[str, list[str]] = {}
    for env in envs:
        for info in env.stacks.values():
            for resource in info["template"].get("Resources", {}).values():
                props = resource.get("Properties", {})
                if resource["Type"] == "AWS::Route53::RecordSet" and isinstance(props.get("HostedZoneId"), str):
                    names.setdefault(props["HostedZoneId"], []).append(str(props["Name"]).rstrip("."))
                for option in props.get("DomainValidationOptions", []) if resource["Type"].startswith("AWS::CertificateManager") else []:
                    if isinstance(option.get("HostedZoneId"), str):
                        names.setdefault(option["HostedZoneId"], []).append(option["DomainName"])
    zones = {}
    for zone_id, domains in names.items():
        shortest = min(domains, key=lambda d: d.count("."))
        zones[zone_id] = shortest.split(".", 1)[1] if shortest.count(".") > 1 else shortest
    return zones


def hand_made_secrets(*envs: Environment) -> set[tuple[str, str]]:
    """(region, name) of every secret a template reads by a literal name (not a stack's ARN)."""
    import re

    found = set()
    for env in envs:
        for info in env.stacks.values():
            for name in re.findall(r"\{\{resolve:secretsmanager:([^:}\"]+)", json.dumps(info["template"])):
                if not name.startswith("arn:"):
                    found.add((info["region"], name))
    return found


def regions_of(*envs: Environment) -> set[str]:
    return {GLOBAL_REGION} | {info["region"] for env in envs for info in env.stacks.values()}


def run(env: Environment, branch: Environment | None, work: Path, *, emulator_env: dict | None = None) -> int:
    r = Rehearsal(work, emulator_env=emulator_env)
    started = time.monotonic()
    baseline: set = set()
    before_branch: dict = {}
    print(f"Rehearsal of {env.label}" + (f" and {branch.label}" if branch else "") + f" (logs in {r.logs})", flush=True)
    try:
        r.step("emulator", r.start_emulator)

        def synth() -> str:
            # Each environment synthesized once, both at once (two cores); the steps then deploy,
            # diff and destroy that assembly (--app), except the redeploy, which synthesizes anew.
            running = []
            for e in (env, branch) if branch else (env,):
                if "--app" in e.context:
                    e.read_assembly(Path(e.context[e.context.index("--app") + 1]))
                    continue
                out = work / f"{e.label}.out"
                log = r.logs / f"{r.step_number:02d}-synth-{e.label}.log"
                running.append((e, out, log, r.cdk_background(log, "synth", "--quiet", "--output", str(out), *e.context)))
            for e, out, log, process in running:
                if process.wait(timeout=600) != 0:
                    with r.log.open("a") as handle:
                        handle.write(log.read_text())
                    raise StepFailed(f"cdk synth of {e.label} exited {process.returncode}")
                e.read_assembly(out)
            return ", ".join(f"{e.label}: {len(e.stacks)} stacks" for e in (env, branch) if e)

        r.step("synth", synth)

        def bootstrap() -> str:
            nonlocal baseline
            regions = regions_of(env, *([branch] if branch else []))
            r.cdk("bootstrap", *[f"aws://{ACCOUNT}/{region}" for region in sorted(regions)], "--app", str(env.assembly))
            # The hosted zones the configuration names exist before the app, as in the account.
            zones = hosted_zones(env, *([branch] if branch else []))
            route53 = r.client("route53")
            for zone_id, name in sorted(zones.items()):
                route53.create_hosted_zone(Name=name, CallerReference=f"rehearsal-zone-id:{zone_id}")
            # So do the secrets the documentation says to create by hand (a literal name in a
            # dynamic reference, e.g. the Amplify GitHub token): a placeholder value here.
            secrets = hand_made_secrets(env, *([branch] if branch else []))
            for region, name in sorted(secrets):
                r.client("secretsmanager", region).create_secret(Name=name, SecretString="rehearsal-placeholder")
            baseline = r.inventory(regions)
            return (f"regions {', '.join(sorted(regions))}" + (f"; hosted zones {', '.join(sorted(zones.values()))}" if zones else "")
                    + (f"; secrets made by hand {', '.join(sorted(n for _, n in secrets))}" if secrets else ""))

        r.step("bootstrap", bootstrap)

        def deploy(e: Environment, *, synthesize: bool = False) -> str:
            if synthesize and "--app" not in e.context:
                # The documented command as it is, synthesizing the app again.
                r.cdk("deploy", "--all", *e.context, "--output", str(work / f"{e.label}.redeploy.out"),
                      "--require-approval", "never")
            else:
                r.cdk("deploy", "--all", *e.app, "--require-approval", "never")
            return r.verify_deployed(e)

        r.step("deploy", lambda: deploy(env))
        ids = r.physical_ids(env)

        def redeploy() -> str:
            detail = deploy(env, synthesize=True)
            after = r.physical_ids(env)
            changed = [f"{s}/{k}: {ids[s].get(k)} -> {v}" for s in after for k, v in after[s].items() if ids[s].get(k) != v]
            if changed:
                raise StepFailed(f"{len(changed)} physical IDs changed: {'; '.join(changed[:5])}")
            return f"{sum(len(v) for v in after.values())} physical IDs unchanged; {detail}"

        r.step("redeploy", redeploy)

        def diff() -> str:
            output = r.cdk("diff", *env.app, "--fail")
            compared = output.count("Stack ")
            if "Number of stacks with differences: 0" not in output:
                raise StepFailed("cdk diff found differences")
            if compared == 0:
                raise StepFailed("cdk diff compared no stack")
            return f"no differences in {compared} stacks"

        r.step("diff", diff)

        if branch is not None:
            def branch_step() -> str:
                nonlocal before_branch
                before_branch = {n: r.stack(n, i["region"]) for n, i in env.stacks.items()}
                detail = deploy(branch)
                after = r.physical_ids(env)
                changed = [f"{s}/{k}" for s in after for k, v in after[s].items() if ids[s].get(k) != v]
                touched = [n for n, i in env.stacks.items()
                           if (r.stack(n, i["region"]) or {}).get("LastUpdatedTime") != (before_branch[n] or {}).get("LastUpdatedTime")]
                if changed or touched:
                    raise StepFailed(f"the branch changed its parent: {changed[:5] + touched}")
                r.cdk("destroy", "--all", "--force", *branch.app)
                left = [n for n, i in branch.stacks.items() if (r.stack(n, i["region"]) or {}).get("StackStatus", "DELETE_COMPLETE") != "DELETE_COMPLETE"]
                if left:
                    raise StepFailed(f"branch stacks left behind: {left}")
                return f"{detail}; parent unchanged; destroyed"

            r.step("branch", branch_step)

        def destroy() -> str:
            # The README's procedure for a long-lived environment: protection off, then destroy.
            for name, info in env.stacks.items():
                stack = r.stack(name, info["region"])
                if stack and stack.get("EnableTerminationProtection"):
                    r.client("cloudformation", info["region"]).update_termination_protection(
                        StackName=name, EnableTerminationProtection=False)
            # Beyond the README: a database with deletion protection (staging, prod) cannot be
            # deleted either; the rehearsal turns it off too, and says so.
            unprotected = []
            for name, info in env.stacks.items():
                for resource_id, resource in info["template"].get("Resources", {}).items():
                    if resource["Type"] == "AWS::RDS::DBInstance" and resource.get("Properties", {}).get("DeletionProtection") is True:
                        physical = r.physical_ids(Environment(env.label, [], stacks={name: info}))[name].get(resource_id)
                        if physical:
                            r.client("rds", info["region"]).modify_db_instance(DBInstanceIdentifier=physical,
                                                                               DeletionProtection=False, ApplyImmediately=True)
                            unprotected.append(f"{name}/{resource_id}")
            with r.log.open("a") as handle:
                handle.writelines(f"deletion protection turned off: {u}\n" for u in unprotected)
            r.cdk("destroy", "--all", "--force", *env.app)
            problems = []
            for e in (env, branch) if branch else (env,):
                for name, info in e.stacks.items():
                    stack = r.stack(name, info["region"])
                    if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
                        problems.append(f"stack {name} left behind ({stack['StackStatus']})")
            kept = r.retained()
            by_design = {k["physical_id"] for k in kept if k["physical_id"]}

            def retained(ident: str) -> bool:
                return any(ident == pid or ident.endswith(("/" + pid, ":" + pid)) for pid in by_design)

            left = sorted(item for item in r.inventory(regions_of(env, *([branch] if branch else []))) - baseline
                          if not retained(item[1]))
            problems += [f"{kind} {ident} left behind" for kind, ident in left]
            with r.log.open("a") as handle:
                handle.writelines(f"PROBLEM: {p}\n" for p in problems)
                handle.write("Retained by their removal policy (DeletionPolicy Retain), by design:\n")
                handle.writelines(f"  {k['stack']} {k['logical_id']} {k['type']} {k['physical_id']}\n" for k in kept)
            if problems:
                raise StepFailed("; ".join(problems[:10]) + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""))
            listed = ", ".join(f"{k['logical_id']} ({k['type']})" for k in kept) or "nothing"
            note = f"; deletion protection turned off first: {', '.join(unprotected)}" if unprotected else ""
            return f"nothing left; retained by design: {listed}{note}"

        r.step("destroy", destroy)
    except (StepFailed, KeyboardInterrupt):
        print(f"Rehearsal FAILED after {time.monotonic() - started:.1f}s", flush=True)
        return 1
    finally:
        r.stop_emulator()
    # A passed run keeps its logs; its assemblies (about 30 MB each) go.
    for assembly in [*work.glob("*.out"), *work.glob("*.redeploy.out")]:
        shutil.rmtree(assembly, ignore_errors=True)
    print(f"Rehearsal passed in {time.monotonic() - started:.1f}s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal.driver", description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--profile", default="")
    parser.add_argument("--branch", default="rehearsal", help="the branch environment deployed beside ENV")
    parser.add_argument("--no-branch", action="store_true")
    parser.add_argument("--app", type=Path, help="a ready cloud assembly instead of the app (tests)")
    parser.add_argument("--branch-app", type=Path, help="with --app: the branch environment's assembly")
    parser.add_argument("--work", type=Path, help="logs and assemblies (default: a new folder under build/rehearsal)")
    args = parser.parse_args(argv)
    base = ROOT / "build" / "rehearsal"
    base.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="run-", dir=base))
    work.mkdir(parents=True, exist_ok=True)
    if args.app:
        env = Environment(args.app.name, ["--app", str(args.app)])
        branch = Environment(args.branch_app.name, ["--app", str(args.branch_app)]) if args.branch_app else None
    else:
        context = ["-c", f"env={args.env}", "-c", f"account={ACCOUNT}"] + (["-c", f"profile={args.profile}"] if args.profile else [])
        label = f"{args.profile + '/' if args.profile else ''}{args.env}"
        env = Environment(label.replace("/", "-"), context)
        branch = None if args.no_branch else Environment(f"{env.label}-branch-{args.branch}".replace("/", "-"),
                                                        [*context, "-c", f"branch={args.branch}"])
    # A stopped rehearsal (make interrupted, CI timeout) still stops its emulator.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run(env, branch, work)


if __name__ == "__main__":
    sys.exit(main())
