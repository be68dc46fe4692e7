"""Reading a CloudFormation/SAM template: YAML with the short-form intrinsic tags.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``,
``!Sub ...`` becomes ``{"Fn::Sub": ...}`` and so on: the long form CloudFormation itself uses,
so the rest of the package only ever sees plain dicts and lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    """The template cannot be read, or lacks something the local API needs."""


class _TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that also knows CloudFormation's ``!Tag`` short forms."""


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")  # pragma: no cover


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value = _construct_node(loader, node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template_text(text: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"the template is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise TemplateError("the template is not a YAML mapping")
    return document


def load_template(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read {path}: {error.strerror}") from error
    return load_template_text(text)
