"""template.yaml operates the API: gradual deployments that roll back on alarms, alarms on every
part (each with an action), a dashboard of metrics that exist, saved log queries, a runbook.

The checks read the template as the SAM CLI expands it, with the parameters' defaults (the
stack is named ``local``); tests/test_template.py also reads it after AWS SAM's transform (the
alias the routes invoke, the deployment groups).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cloudformation import ROOT, expanded, resources, sub_text, template, translated
from tests.test_template import ROUTES, functions, globals_function

ALIAS = "live"
RUNBOOK = ROOT / "docs" / "operations.md"
STACK = "local"  # the stack name the SAM CLI's expansion gives ${AWS::StackName}
TOPIC = {"Ref": "AlarmTopic"}  # the stack's own topic, unless AlarmTopicArn names one
GIVEN_TOPIC = "arn:aws:sns:us-east-1:123456789012:pager"
API_NAME = f"{STACK}-api"
STAGE = "v1"  # the StageName parameter's default
# Each function's own alarms, by the suffix after its name.
FUNCTION_ALARMS = ("ErrorsAlarm", "ThrottlesAlarm", "DurationAlarm", "5XXAlarm")

# What each AWS namespace publishes, of the metrics an alarm or the dashboard may name here.
AWS_METRICS = {
    "AWS/Lambda": {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
    "AWS/ApiGateway": {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"},
    "AWS/DynamoDB": {
        "ConsumedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "ThrottledRequests",
        "SystemErrors",
        "SuccessfulRequestLatency",
    },
}
NAMESPACE = "SessionsApi"
# Published by Powertools itself for every function (capture_cold_start_metric).
POWERTOOLS_METRICS = {"ColdStart"}


def alarms(document: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return resources("AWS::CloudWatch::Alarm", document)


def dimension_value(value: Any) -> Any:
    """A dimension's value; ``${X}:live`` stays text whether the expansion left the Fn::Sub."""
    return sub_text(value) if isinstance(value, str) or "Fn::Sub" in value else value


def base_name(function_id: str) -> str:
    return function_id.removesuffix("Function")


def dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {item["Name"]: dimension_value(item["Value"]) for item in metric.get("Dimensions", [])}


def watched(properties: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each metric an alarm reads: its own, or each of its metric-math inputs."""
    if "MetricName" in properties:
        yield {
            key: properties[key]
            for key in ("Namespace", "MetricName", "Dimensions")
            if key in properties
        }
    for query in properties.get("Metrics", []):
        if "MetricStat" in query:
            yield query["MetricStat"]["Metric"]


def alarms_on(namespace: str, metric_name: str, **dims: Any) -> set[str]:
    """Alarms reading this metric with at least these dimension values."""
    found = set()
    for logical_id, alarm in alarms().items():
        for metric in watched(alarm["Properties"]):
            if (metric["Namespace"], metric["MetricName"]) != (namespace, metric_name):
                continue
            if all(dimensions(metric).get(name) == value for name, value in dims.items()):
                found.add(logical_id)
    return found


def published_by_code() -> set[str]:
    """The names the functions and the library pass to Powertools' ``add_metric(name=...)``."""
    names = set()
    for folder in ("functions", "shared"):
        for source in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add_metric"
                ):
                    for keyword in node.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            names.add(str(keyword.value.value))
    return names


def from_access_log() -> set[str]:
    names = set()
    for metric_filter in resources("AWS::Logs::MetricFilter").values():
        assert metric_filter["Properties"]["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
        for transformation in metric_filter["Properties"]["MetricTransformations"]:
            assert transformation["MetricNamespace"] == NAMESPACE
            names.add(str(transformation["MetricName"]))
    return names


def own_metrics() -> set[str]:
    """Every metric something in this stack publishes to the SessionsApi namespace."""
    return published_by_code() | POWERTOOLS_METRICS | from_access_log()


# ---------------------------------------------------------------- deployments


def test_each_function_has_its_operations() -> None:
    """Derived from the template's functions: a new function without them fails here."""
    body = dashboard()
    (status,) = [widget for widget in body["widgets"] if widget["type"] == "alarm"]
    runbook = RUNBOOK.read_text(encoding="utf-8")
    for function_id, function in functions().items():
        base = base_name(function_id)
        for suffix in FUNCTION_ALARMS:
            alarm = f"{base}{suffix}"
            assert alarm in alarms(), f"{function_id} has no {alarm}"
            assert f"<{alarm}.Arn>" in status["properties"]["alarms"], (
                f"{alarm} not on the dashboard"
            )
            assert f"`{alarm}`" in runbook, f"{alarm} not in the runbook"
        # The Lambda alarms watch this function, the 5XX alarm this function's route.
        for suffix in FUNCTION_ALARMS[:3]:
            for metric in watched(alarms()[f"{base}{suffix}"]["Properties"]):
                assert dimensions(metric)["FunctionName"] == {"Ref": function_id}, suffix
        (event,) = function["Properties"]["Events"].values()
        route = {"Method": event["Properties"]["Method"], "Resource": event["Properties"]["Path"]}
        for metric in watched(alarms()[f"{base}5XXAlarm"]["Properties"]):
            assert {name: dimensions(metric)[name] for name in route} == route
        named = [alarm["Ref"] for alarm in function["Properties"]["DeploymentPreference"]["Alarms"]]
        assert named == [f"{base}ErrorsAlarm", f"{base}DurationAlarm", f"{base}5XXAlarm"]


def test_routes_mapping_agrees_with_the_functions_api_events() -> None:
    """The alarms read each route from Mappings.Routes; SAM builds the API from the events."""
    routes = template()["Mappings"]["Routes"]
    from_events = {}
    for function_id, function in functions().items():
        (event,) = function["Properties"]["Events"].values()
        method, path = event["Properties"]["Method"].upper(), event["Properties"]["Path"]
        from_events[base_name(function_id)] = {"Method": method, "Path": path}
    assert routes == from_events


def test_deployment_type_is_gradual_by_default_and_all_at_once_on_request() -> None:
    parameter = template()["Parameters"]["DeploymentType"]
    assert re.fullmatch(r"(Canary|Linear)10Percent\w+", parameter["Default"])
    assert "AllAtOnce" in parameter["AllowedValues"]
    assert parameter["Default"] in parameter["AllowedValues"]
    for value in parameter["AllowedValues"]:
        assert re.fullmatch(
            r"Canary10Percent(5|10|15|30)Minutes|Linear10PercentEvery(1|2|3|10)Minutes?|AllAtOnce",
            value,
        ), value


@pytest.mark.parametrize("function_id", sorted(ROUTES))
def test_each_function_deploys_through_its_alias_and_rolls_back_on_alarms(function_id: str) -> None:
    properties = functions()[function_id]["Properties"]
    shared = globals_function()
    assert properties.get("AutoPublishAlias", shared["AutoPublishAlias"]) == ALIAS
    # A change to the layer or the environment is a new version too, not only new code.
    assert properties["AutoPublishAliasAllProperties"] is True
    # Globals give the type (SAM merges the function's DeploymentPreference into it).
    assert shared["DeploymentPreference"] == {"Type": {"Ref": "DeploymentType"}}
    preference = properties["DeploymentPreference"]
    assert set(preference) == {"Alarms"}
    group = translated(DeploymentType="Linear10PercentEvery1Minute")["Resources"][
        f"{function_id}DeploymentGroup"
    ]
    assert group["Properties"]["DeploymentConfigName"] == {
        "Fn::Sub": [
            "CodeDeployDefault.Lambda${ConfigName}",
            {"ConfigName": "Linear10PercentEvery1Minute"},
        ]
    }
    named = [alarm["Ref"] for alarm in preference["Alarms"]]
    assert set(named) <= set(alarms()), "a deployment alarm that does not exist"

    # The alarms that judge the new version: its crashes and slowness on the alias, and the
    # 5XX of the route it serves.
    base = base_name(function_id)
    alias = {
        "FunctionName": {"Ref": function_id},
        "Resource": f"${{{function_id}}}:{ALIAS}",
    }
    assert f"{base}ErrorsAlarm" in named
    assert f"{base}ErrorsAlarm" in alarms_on("AWS/Lambda", "Errors", **alias)
    assert f"{base}DurationAlarm" in named
    assert f"{base}DurationAlarm" in alarms_on("AWS/Lambda", "Duration", **alias)
    method, path, _ = ROUTES[function_id]
    route = {"ApiName": API_NAME, "Stage": STAGE, "Method": method, "Resource": path}
    assert f"{base}5XXAlarm" in named
    assert f"{base}5XXAlarm" in alarms_on("AWS/ApiGateway", "5XXError", **route)
    # Throttling is the account's concurrency, not the new code: rolling back cures nothing.
    assert f"{base}ThrottlesAlarm" not in named


def test_a_new_layer_publishes_new_function_versions() -> None:
    layer = resources("AWS::Serverless::LayerVersion")["SessionActionsLayer"]
    assert layer["Properties"]["PublishLambdaVersion"] is True


# ---------------------------------------------------------------- alarms


@pytest.mark.parametrize("function_id", sorted(ROUTES))
def test_each_function_has_errors_throttles_and_duration_alarms(function_id: str) -> None:
    by_name = {"FunctionName": {"Ref": function_id}}
    assert alarms_on("AWS/Lambda", "Errors", **by_name)
    assert alarms_on("AWS/Lambda", "Throttles", **by_name)
    (duration,) = alarms_on("AWS/Lambda", "Duration", **by_name)
    # Near the timeout, yet above anything the code does when healthy or failing cleanly.
    timeout_ms = (
        functions()[function_id]["Properties"].get("Timeout", globals_function()["Timeout"]) * 1000
    )
    threshold = alarms()[duration]["Properties"]["Threshold"]
    assert 0.6 * timeout_ms <= threshold < timeout_ms
    assert alarms()[duration]["Properties"]["Statistic"] == "Maximum"


def test_the_api_has_5xx_latency_and_refusal_alarms() -> None:
    stage = {"ApiName": API_NAME, "Stage": STAGE}
    api_name = resources("AWS::Serverless::Api")["SessionsApi"]["Properties"]["Name"]
    assert api_name == API_NAME, "the alarms' ApiName must be the API's name"
    whole_stage = {
        logical_id
        for logical_id in alarms_on("AWS/ApiGateway", "5XXError", **stage)
        if not any("Method" in dimensions(m) for m in watched(alarms()[logical_id]["Properties"]))
    }
    assert whole_stage == {"Api5XXAlarm"}
    (latency,) = alarms_on("AWS/ApiGateway", "Latency", **stage)
    properties = alarms()[latency]["Properties"]
    assert properties["ExtendedStatistic"] in {"p90", "p95", "p99"}
    # A percentile over a handful of requests is one cold start: not judged.
    assert properties["EvaluateLowSampleCountPercentile"] == "ignore"
    assert alarms_on(NAMESPACE, "UnauthorizedRequests")
    assert alarms_on(NAMESPACE, "RateLimitedRequests")


def test_access_log_metrics_count_the_statuses_they_are_named_for() -> None:
    patterns = {
        transformation["MetricName"]: resource["Properties"]["FilterPattern"]
        for resource in resources("AWS::Logs::MetricFilter").values()
        for transformation in resource["Properties"]["MetricTransformations"]
    }
    assert patterns == {
        "UnauthorizedRequests": '{ $.status = "401" }',
        "RateLimitedRequests": '{ $.status = "429" }',
    }
    # The access log writes the status as a string, which is what the patterns compare with.
    access_format = resources("AWS::Serverless::Api")["SessionsApi"]["Properties"][
        "AccessLogSetting"
    ]
    assert json.loads(access_format["Format"])["status"] == "$context.status"


@pytest.mark.parametrize(
    ("table", "indexes"),
    [("SessionsTable", {"ById", "ByOwnerStatus"}), ("IdempotencyTable", set())],
)
def test_each_table_has_throttle_and_system_error_alarms(table: str, indexes: set[str]) -> None:
    on_table = {"TableName": {"Ref": table}}
    (throttles,) = alarms_on("AWS/DynamoDB", "ReadThrottleEvents", **on_table)
    assert throttles in alarms_on("AWS/DynamoDB", "WriteThrottleEvents", **on_table)
    for index in indexes:
        on_index = {**on_table, "GlobalSecondaryIndexName": index}
        assert throttles in alarms_on("AWS/DynamoDB", "ReadThrottleEvents", **on_index)
        assert throttles in alarms_on("AWS/DynamoDB", "WriteThrottleEvents", **on_index)
    (system_errors,) = alarms_on("AWS/DynamoDB", "SystemErrors", **on_table)
    # SystemErrors exist per operation: every operation a function calls on the table counts.
    used = {
        action.removeprefix("dynamodb:")
        for function_id in ROUTES
        for statement in functions()[function_id]["Properties"]["Policies"][0]["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        if _targets_table(statement["Resource"], table)
    }
    operations = {
        dimensions(metric)["Operation"] for metric in watched(alarms()[system_errors]["Properties"])
    }
    assert operations == used


def _targets_table(resource: Any, table: str) -> bool:
    targets = resource if isinstance(resource, list) else [resource]
    return any(
        target == {"Fn::GetAtt": [table, "Arn"]}
        or (
            (not isinstance(target, dict) or "Fn::Sub" in target)
            and sub_text(target).startswith(f"${{{table}.Arn}}")
        )
        for target in targets
    )


def test_the_functions_503s_have_an_alarm() -> None:
    assert "StoreUnavailable" in published_by_code()
    service = globals_function()["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    assert alarms_on(NAMESPACE, "StoreUnavailable", service=service)


@pytest.mark.parametrize("logical_id", sorted(resources("AWS::CloudWatch::Alarm")))
def test_every_alarm_notifies_names_its_runbook_entry_and_treats_missing_data(
    logical_id: str,
) -> None:
    properties = alarms()[logical_id]["Properties"]
    assert properties["AlarmActions"] == [TOPIC]
    assert properties["OKActions"] == [TOPIC]
    # Or the topic given as AlarmTopicArn.
    given = alarms(expanded(AlarmTopicArn=GIVEN_TOPIC))[logical_id]["Properties"]
    assert given["AlarmActions"] == given["OKActions"] == [GIVEN_TOPIC]
    # A quiet API publishes nothing: that is not an outage.
    assert properties["TreatMissingData"] == "notBreaching"
    assert sub_text(properties["AlarmName"]) == f"{STACK}-{logical_id}"
    assert f"{logical_id} in docs/operations.md" in properties["AlarmDescription"]
    assert properties["Threshold"] > 0


@pytest.mark.parametrize("logical_id", sorted(resources("AWS::CloudWatch::Alarm")))
def test_every_alarm_reads_metrics_that_exist(logical_id: str) -> None:
    properties = alarms()[logical_id]["Properties"]
    metrics = list(watched(properties))
    assert metrics
    for metric in metrics:
        namespace, name = metric["Namespace"], metric["MetricName"]
        known = own_metrics() if namespace == NAMESPACE else AWS_METRICS[namespace]
        assert name in known, f"{logical_id}: {namespace} publishes no {name}"
    queries = properties.get("Metrics", [])
    if queries:
        # One series decides; an expression uses only the alarm's own inputs.
        (decides,) = [query for query in queries if query.get("ReturnData", True)]
        inputs = {query["Id"] for query in queries if "MetricStat" in query}
        words = set(re.findall(r"\b[a-z]\w*\b", decides["Expression"]))
        assert words - {"IF", "AND", "SUM", "FILL", "METRICS"} <= inputs, decides["Expression"]
        assert {query["MetricStat"]["Period"] for query in queries if "MetricStat" in query}


def test_the_alarm_topic_is_created_or_given() -> None:
    # The condition compares AlarmTopicArn (as given) with "".
    assert template()["Conditions"]["CreateAlarmTopic"] == {"Fn::Equals": ["", ""]}
    given = expanded(AlarmTopicArn=GIVEN_TOPIC)["Conditions"]["CreateAlarmTopic"]
    assert given == {"Fn::Equals": [GIVEN_TOPIC, ""]}
    topic = resources("AWS::SNS::Topic")["AlarmTopic"]
    assert topic["Condition"] == "CreateAlarmTopic"
    emailed = expanded(AlarmEmail="ops@example.com")
    subscription = resources("AWS::SNS::Subscription", emailed)["AlarmEmailSubscription"]
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    # Only with a created topic, and only when an address is given.
    condition = template()["Conditions"][subscription["Condition"]]
    assert {"Condition": "CreateAlarmTopic"} in condition["Fn::And"]
    assert subscription["Condition"] == "SubscribeAlarmEmail"


# ---------------------------------------------------------------- the dashboard


def dashboard() -> dict[str, Any]:
    """The dashboard's body with each ${...} of its Fn::Sub checked and replaced by ``<name>``."""
    (resource,) = resources("AWS::CloudWatch::Dashboard").values()
    # The SAM CLI's expansion fills in the parameters and pseudo parameters; the resources'
    # names and ARNs stay ${...} for CloudFormation.
    text = sub_text(resource["Properties"]["DashboardBody"])
    known = set(resources())

    def checked(match: re.Match[str]) -> str:
        name, _, attribute = match.group(1).partition(".")
        assert name in known, f"the dashboard names {match.group(0)}, which is not in the template"
        assert attribute in {"", "Arn"}, match.group(0)
        return f"<{match.group(1)}>"

    body: dict[str, Any] = json.loads(re.sub(r"\$\{([\w:.]+)\}", checked, text))
    return body


SEARCH = re.compile(r"SEARCH\('\{([^}]*)\} (.*)', '(\w+)', (\d+)\)")
TERM = re.compile(r'(\w+)=("[^"]*"|\S+)')


def metric_rows() -> Iterator[tuple[str, list[Any]]]:
    """(widget title, metric row) for every row of every metric widget."""
    for widget in dashboard()["widgets"]:
        if widget["type"] == "metric":
            for row in widget["properties"]["metrics"]:
                yield widget["properties"]["title"], row


def row_parts(row: list[Any], stat: str) -> tuple[str, str, dict[str, str], str]:
    options = row[-1] if isinstance(row[-1], dict) else {}
    names = row[:-1] if options else row
    namespace, metric, *pairs = names
    return (
        namespace,
        metric,
        dict(zip(pairs[::2], pairs[1::2], strict=True)),
        options.get("stat", stat),
    )


def search_parts(expression: str) -> tuple[str, str, frozenset[str], dict[str, str], str]:
    """A SEARCH row: namespace, metric, the schema's dimensions, its terms (exact ones quoted)
    and its statistic."""
    match = SEARCH.fullmatch(expression)
    assert match, expression
    namespace, *schema = match.group(1).split(",")
    terms = dict(TERM.findall(match.group(2)))
    metric = terms.pop("MetricName")
    assert metric.startswith('"'), f"{expression}: MetricName must match exactly"
    assert set(terms) <= set(schema), expression
    return namespace, metric.strip('"'), frozenset(schema), terms, match.group(3)


def searches() -> Iterator[tuple[str, tuple[str, str, frozenset[str], dict[str, str], str]]]:
    for title, row in metric_rows():
        if len(row) == 1 and "expression" in row[0]:
            yield title, search_parts(row[0]["expression"])


def shown() -> set[tuple[str, str, tuple[tuple[str, str], ...], str]]:
    found = set()
    for widget in dashboard()["widgets"]:
        if widget["type"] != "metric":
            continue
        for row in widget["properties"]["metrics"]:
            if len(row) == 1 and "expression" in row[0]:
                continue
            namespace, metric, dims, stat = row_parts(
                row, widget["properties"].get("stat", "Average")
            )
            found.add((namespace, metric, tuple(sorted(dims.items())), stat))
    return found


def test_dashboard_widgets_name_metrics_that_exist() -> None:
    rows = list(metric_rows())
    assert rows
    for title, row in rows:
        if len(row) == 1 and "expression" in row[0]:
            namespace, metric, _, terms, _ = search_parts(row[0]["expression"])
            dims = {name: value.strip('"') for name, value in terms.items()}
        else:
            assert all(isinstance(part, str) for part in row[:-1]), f"{title}: one full metric"
            namespace, metric, dims, _ = row_parts(row, "Sum")
        known = own_metrics() if namespace == NAMESPACE else AWS_METRICS[namespace]
        assert metric in known, f"{title}: {namespace} publishes no {metric}"
        if namespace == "AWS/ApiGateway":
            assert dims["ApiName"] == API_NAME, title
            assert dims["Stage"] == STAGE, title


def test_dashboard_finds_every_route_and_function_of_this_stack() -> None:
    """SEARCH rows: exactly this API and stage, by route; the functions by the stack's name."""
    found = {
        (namespace, metric, schema, stat): terms
        for _, (namespace, metric, schema, terms, stat) in searches()
    }
    by_route = frozenset({"ApiName", "Method", "Resource", "Stage"})
    api = {"ApiName": f'"{API_NAME}"', "Stage": f'"{STAGE}"'}
    for metric, stat in [
        ("Count", "Sum"),
        ("5XXError", "Sum"),
        ("Latency", "p50"),
        ("Latency", "p99"),
    ]:
        assert found[("AWS/ApiGateway", metric, by_route, stat)] == api, (metric, stat)
    # SAM names a function <stack>-<logical id>-<suffix> when the template names none.
    for function_id, function in functions().items():
        assert "FunctionName" not in function["Properties"], function_id
    by_function = frozenset({"FunctionName"})
    for metric, stat in [
        ("Invocations", "Sum"),
        ("Errors", "Sum"),
        ("Throttles", "Sum"),
        ("Duration", "p50"),
        ("Duration", "p99"),
    ]:
        assert found[("AWS/Lambda", metric, by_function, stat)] == {"FunctionName": STACK}
    cold = found[(NAMESPACE, "ColdStart", frozenset({"function_name", "service"}), "Sum")]
    assert cold == {"function_name": STACK, "service": '"sessions-api"'}


def test_dashboard_shows_every_table_and_application_metric() -> None:
    seen = shown()

    def has(namespace: str, metric: str, stat: str, **dims: str) -> bool:
        return (namespace, metric, tuple(sorted(dims.items())), stat) in seen

    api = {"ApiName": API_NAME, "Stage": STAGE}
    assert has("AWS/ApiGateway", "Latency", "p99", **api)
    for table in ("SessionsTable", "IdempotencyTable"):
        for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"):
            assert has("AWS/DynamoDB", metric, "Sum", TableName=f"<{table}>"), (table, metric)
        assert has("AWS/DynamoDB", "ReadThrottleEvents", "Sum", TableName=f"<{table}>"), table
        assert has("AWS/DynamoDB", "WriteThrottleEvents", "Sum", TableName=f"<{table}>"), table
    for metric in published_by_code():
        assert has(NAMESPACE, metric, "Sum", service="sessions-api"), metric
    for metric in from_access_log():
        assert has(NAMESPACE, metric, "Sum"), metric


def test_dashboard_lists_every_alarm_and_its_widgets_do_not_overlap() -> None:
    widgets = dashboard()["widgets"]
    (status,) = [widget for widget in widgets if widget["type"] == "alarm"]
    assert status["properties"]["alarms"] == [f"<{logical_id}.Arn>" for logical_id in alarms()]
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        assert widget["x"] + widget["width"] <= 24, widget["properties"].get("title")
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not area & cells, f"{widget['properties'].get('title')} overlaps another widget"
        cells |= area


# ---------------------------------------------------------------- log queries and the runbook


INSIGHTS_WORDS = {"fields", "filter", "stats", "sort", "limit", "by", "as", "asc", "desc"}
INSIGHTS_WORDS |= {"and", "or", "not", "in", "like", "count", "pct", "max", "min", "avg"}


def queries() -> dict[str, dict[str, Any]]:
    """Saved queries by their name after the stack's folder."""
    found = {}
    for query in resources("AWS::Logs::QueryDefinition").values():
        folder, _, name = sub_text(query["Properties"]["Name"]).partition("/")
        assert folder == STACK
        found[name] = query["Properties"]
    return found


def test_saved_queries_cover_the_access_log_and_every_function() -> None:
    # Every function logs to the one group of Globals, so the queries name that group.
    groups = {
        json.dumps(translated()["Resources"][f]["Properties"]["LoggingConfig"]["LogGroup"])
        for f in functions()
    }
    (function_group,) = [json.loads(group) for group in groups]
    assert function_group == globals_function()["LoggingConfig"]["LogGroup"]
    access_log = {"Ref": "ApiAccessLogGroup"}
    searched = [group for query in queries().values() for group in query["LogGroupNames"]]
    assert {group["Ref"] for group in searched} == {access_log["Ref"], function_group["Ref"]}
    # One request, end to end: the access log's requestId is the functions' correlation_id.
    one = queries()["one-request"]
    assert one["LogGroupNames"] == [access_log, function_group]
    # Per function: the shared group's streams are named after their function.
    invocations = queries()["invocations-by-function"]
    assert invocations["LogGroupNames"] == [function_group]
    assert "parse @logStream" in invocations["QueryString"]
    assert invocations["QueryString"].rstrip().endswith("by function")
    assert 'filter requestId = "REQUEST_ID" or correlation_id = "REQUEST_ID"' in one["QueryString"]


def test_access_log_queries_name_only_fields_the_access_log_has() -> None:
    access_format = resources("AWS::Serverless::Api")["SessionsApi"]["Properties"][
        "AccessLogSetting"
    ]
    fields = set(json.loads(access_format["Format"]))
    for name, query in queries().items():
        if query["LogGroupNames"] != [{"Ref": "ApiAccessLogGroup"}]:
            continue
        lines = [line for line in query["QueryString"].splitlines() if not line.startswith("#")]
        text = re.sub(r'"[^"]*"|/[^/]*/', "", " ".join(lines))  # strings and patterns
        aliases = set(re.findall(r"\bas (\w+)", text))
        words = set(re.findall(r"(?<![@\w])[A-Za-z_]\w*", text))
        assert words - INSIGHTS_WORDS - aliases <= fields, name


def test_the_runbook_has_a_section_for_every_alarm_and_none_for_others() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    headings = re.findall(r"^#{2,4} .*$", text, re.MULTILINE)
    named = {name for heading in headings for name in re.findall(r"`(\w+Alarm)`", heading)}
    assert named == set(alarms())
