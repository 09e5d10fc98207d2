"""Physical names stay within AWS's limits and distinct, however long the app and branch names."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from infra_constructs.alarms import RotationFailureAlert
from infra_constructs.names import bounded_name
from infra_constructs.off_hours import DatabaseOffHours, WorkingHours

# The longest prefix the configuration allows: a 20-character app, "staging", a 24-character branch slug.
LONGEST_PREFIX = "abcdefghijklmnopqrst-staging-feature-very-long-bran-1a2b3c"


def test_bounded_name_keeps_short_names_and_shortens_long_ones_distinctly():
    assert bounded_name("webapp-dev-database-stop", 64) == "webapp-dev-database-stop"
    stop, start = (bounded_name(f"{LONGEST_PREFIX}-database-{a}", 64) for a in ("stop", "start"))
    assert len(stop) <= 64 and len(start) <= 64 and stop != start
    assert stop.startswith(LONGEST_PREFIX[:40]) and bounded_name(f"{LONGEST_PREFIX}-database-stop", 64) == stop


def test_off_hours_schedules_of_a_long_prefix_fit_and_differ():
    stack = Stack(App(), "Probe", env={"account": "111111111111", "region": "us-east-1"})
    DatabaseOffHours(stack, "OffHours", hours=WorkingHours(days="MON-FRI", start_at="07:00", stop_at="20:00", timezone="UTC"),
                     instance_id="db-1", cluster_id=None, name_prefix=LONGEST_PREFIX)
    names = [s["Properties"]["Name"] for s in Template.from_stack(stack).find_resources("AWS::Scheduler::Schedule").values()]
    assert len(names) == 2 and len(set(names)) == 2 and all(len(n) <= 64 for n in names)


def test_rotation_rule_of_a_long_prefix_fits():
    stack = Stack(App(), "Probe", env={"account": "111111111111", "region": "us-east-1"})
    RotationFailureAlert(stack, "Alert", topic=sns.Topic(stack, "Topic"), secrets=[secretsmanager.Secret(stack, "Secret")],
                         name_prefix=LONGEST_PREFIX)
    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    assert len(rule["Properties"]["Name"]) <= 64 and rule["Properties"]["Name"].startswith(LONGEST_PREFIX[:40])
