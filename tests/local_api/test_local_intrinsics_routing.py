"""Intrinsic functions resolved against local values, and API Gateway's path matching."""

from __future__ import annotations

from sessions_local.gateway import RouteTable
from sessions_local.stack import Resolver, RouteSpec


def resolver() -> Resolver:
    return Resolver(
        region="eu-west-1",
        stack_name="sessions-local",
        parameters={"Stage": "v1", "Origin": ""},
        physical_ids={"Table": "sessions-table"},
        attributes={("Pool", "Arn"): "arn:pool"},
        conditions={"NoOrigin": {"Fn::Equals": [{"Ref": "Origin"}, ""]}},
    )


def test_ref_getatt_and_pseudo_parameters() -> None:
    r = resolver()
    assert r.resolve({"Ref": "Table"}) == "sessions-table"
    assert r.resolve({"Ref": "Stage"}) == "v1"
    assert r.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert r.resolve({"Ref": "AWS::NoValue"}) is None
    assert r.resolve({"Fn::GetAtt": ["Pool", "Arn"]}) == "arn:pool"
    assert r.resolve({"Ref": "Unknown"}) == "Unknown"


def test_sub_join_select_split_if() -> None:
    r = resolver()
    assert r.resolve({"Fn::Sub": "${Table}/${Pool.Arn}/${AWS::AccountId}/${!Literal}"}) == (
        "sessions-table/arn:pool/123456789012/${Literal}"
    )
    assert r.resolve({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "Table"}}]}) == "sessions-table-v1"
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-v1"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": ["/", "x/y/z"]}]}) == "y"
    assert r.resolve({"Fn::If": ["NoOrigin", "*", {"Ref": "Origin"}]}) == "*"
    assert r.resolve({"Nested": [{"Ref": "Stage"}]}) == {"Nested": ["v1"]}


def routes(*paths: str) -> RouteTable:
    return RouteTable(RouteSpec(path, "GET", path, None) for path in paths)


def matched(table: RouteTable, path: str) -> tuple[str, dict[str, str]] | None:
    found = table.match(path)
    return None if found is None else (found[0].path, found[1])


def test_literal_beats_parameter_beats_greedy() -> None:
    table = routes("/sessions/{id}", "/sessions/mine", "/sessions/{proxy+}")
    assert matched(table, "/sessions/mine") == ("/sessions/mine", {})
    assert matched(table, "/sessions/01ABC") == ("/sessions/{id}", {"id": "01ABC"})
    assert matched(table, "/sessions/a/b") == ("/sessions/{proxy+}", {"proxy": "a/b"})


def test_path_details() -> None:
    table = routes("/sessions", "/sessions/{id}")
    assert matched(table, "/sessions/") == ("/sessions", {})
    assert matched(table, "/sessions/a%2Fb") == ("/sessions/{id}", {"id": "a/b"})
    assert matched(table, "/session") is None
    assert matched(table, "/sessions/a/b") is None
    assert matched(table, "/") is None


def test_methods_of_a_resource() -> None:
    table = RouteTable(
        [RouteSpec("/x", "GET", "A", None), RouteSpec("/x", "POST", "B", None)], ["/mock-only"]
    )
    found = table.match("/x")
    assert found is not None
    assert sorted(found[0].methods) == ["GET", "POST"]
    assert matched(table, "/mock-only") == ("/mock-only", {})
