"""CloudFormation's intrinsic functions, as template.yaml uses them, resolved against local values:
parameters, the physical ids of what was created locally and the pseudo parameters; anything else
to a stable fake (``Ref`` to the logical id, ``GetAtt`` to a fake ARN)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(Exception):
    """The template cannot be read or translated, or lacks what the local API needs."""


@dataclass
class Resolver:
    region: str
    stack_name: str = "sessions-local"
    parameters: Mapping[str, str] = field(default_factory=dict)
    physical_ids: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if not name.startswith("AWS::"):
            return self.physical_ids.get(name, name)
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name not in pseudo:
            raise TemplateError(f"unsupported pseudo parameter {name}")
        return pseudo[name]

    def get_att(self, resource: str, attribute: str) -> str:
        if (resource, attribute) in self.attributes:
            return self.attributes[(resource, attribute)]
        physical = self.physical_ids.get(resource, resource)
        if attribute == "Arn":
            return f"arn:aws:local:{self.region}:{ACCOUNT_ID}:{physical}"
        return f"{physical}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            # As in CloudFormation, an item that resolves to AWS::NoValue leaves the list.
            resolved = [self.resolve(item) for item in value]
            return [item for item in resolved if item is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return None if argument == "AWS::NoValue" else self.ref(str(argument))
            if key == "Condition":
                return self.condition(str(argument))
            if key.startswith("Fn::"):
                return self._function(key[4:], argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(self.conditions[name]))

    def _function(self, name: str, argument: Any) -> Any:
        if name == "GetAtt":
            resource, attribute = argument
            return self.get_att(str(resource), str(self.resolve(attribute)))
        if name == "Sub":
            return self._sub(argument)
        if name == "If":  # only the branch taken: the other may not resolve (Select out of range)
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        args = self.resolve(argument)
        match name, args:
            case "Join", [separator, items]:
                return str(separator).join(str(item) for item in items)
            case "Select", [index, items]:
                return items[int(index)]
            case "Split", [separator, text]:
                return str(text).split(str(separator))
            case "Equals", [left, right]:
                return left == right
            case "Not", [value]:
                return not value
            case "And", _:
                return all(args)
        raise TemplateError(f"the local API cannot resolve Fn::{name} with {argument!r}")

    def _sub(self, argument: Any) -> str:
        text, variables = argument if isinstance(argument, list) else (argument, {})
        variables = self.resolve(variables)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, str(text))
