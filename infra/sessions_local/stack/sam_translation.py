"""``template.yaml`` as AWS SAM translates it; run by the SAM CLI's own Python, not ours.

The SAM CLI pins its own boto3 and pydantic, so this script runs in its environment
(``.tools/sam``) and imports nothing of the project. It expands ``AWS::LanguageExtensions``
(``Fn::ForEach``) as the SAM CLI does, then translates the result with aws-sam-translator into
plain CloudFormation, with the parameters' defaults. A local code folder becomes
``s3://sessions-local/<folder>`` first, as ``sam validate`` does with a placeholder, so the
translation still says which folder each function and layer comes from.

``python sam_translation.py TEMPLATE`` prints ``{"expanded": ..., "translated": ...}``;
``--expanded`` prints the expanded SAM template alone (for scanners that cannot read loops).
An invalid template exits 2 with SAM's message on stderr.
"""

import json
import logging
import sys
from typing import Any

LOCAL_BUCKET = "s3://sessions-local/"
CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def _mark_local(properties: dict[str, Any], key: str) -> None:
    value = properties.get(key)
    if isinstance(value, str) and not value.startswith("s3://"):
        properties[key] = LOCAL_BUCKET + value


def expand(path: str) -> Any:
    from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
    from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable
    from samcli.yamlhelper import yaml_parse

    with open(path, encoding="utf-8") as handle:
        template = yaml_parse(handle.read())
    parameters = dict(IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES)
    result = expand_language_extensions(template, parameter_values=parameters, enabled=True)
    return json.loads(json.dumps(result.expanded_template, default=str))


def translate(expanded: Any) -> Any:
    from boto3.session import Session
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = json.loads(json.dumps(expanded))
    _mark_local((sam.get("Globals") or {}).get("Function") or {}, "CodeUri")
    for resource in (sam.get("Resources") or {}).values():
        key = CODE_PROPERTIES.get(resource.get("Type"))
        if key is not None:
            _mark_local(resource.setdefault("Properties", {}), key)
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        plugins=[],
        boto_session=Session(region_name="us-east-1"),
    )
    return translator.translate(
        sam_template=sam, parameter_values={}, get_managed_policy_map=lambda: {}
    )


def main(argv: list[str]) -> int:
    from samtranslator.public.exceptions import InvalidDocumentException

    logging.disable(logging.WARNING)  # the translator's notes about feature toggles
    expanded_only = "--expanded" in argv
    path = next(arg for arg in argv if not arg.startswith("--"))
    try:
        expanded = expand(path)
        output = (
            expanded if expanded_only else {"expanded": expanded, "translated": translate(expanded)}
        )
    except InvalidDocumentException as error:
        causes = " ".join(str(cause) for cause in error.causes)
        print(f"{error} {causes}".strip(), file=sys.stderr)
        return 2
    except Exception as error:  # the SAM CLI's own exceptions for a bad template
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    json.dump(output, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
