"""AWS SAM's translation of a template, run by the SAM CLI's own Python (so it imports nothing of
the project): ``{"expanded": <loops unrolled>, "translated": <CloudFormation>}``; ``--expanded``
the first alone; ``--resolve`` expands as ``sam build`` does. An invalid template exits 2."""

import json
import logging
import sys
from typing import Any

from boto3.session import Session
from samcli.lib.cfn_language_extensions.api import create_default_intrinsic_resolver
from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
from samcli.lib.cfn_language_extensions.pipeline import ProcessingPipeline
from samcli.lib.cfn_language_extensions.processors import ForEachProcessor, TemplateParsingProcessor
from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

CODE_KEYS = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


def _mark_local(properties: dict[str, Any], key: str) -> None:
    # A local folder becomes s3://sessions-local/<folder>: SAM accepts it, and it names the folder.
    value = properties.get(key)
    if isinstance(value, str) and not value.startswith("s3://"):
        properties[key] = "s3://sessions-local/" + value


def expand(path: str, *, resolve: bool) -> Any:
    """Only the loops unrolled, unless ``resolve``: left as written, the other intrinsics are
    resolved by CloudFormation's rules with the local API's own parameters."""
    with open(path, encoding="utf-8") as handle:
        template = yaml_parse(handle.read())
    if resolve:
        pseudo = dict(IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES)
        return expand_language_extensions(template, pseudo, enabled=True).expanded_template
    context = TemplateProcessingContext(fragment=template)
    loops = ForEachProcessor(intrinsic_resolver=create_default_intrinsic_resolver(context))
    return ProcessingPipeline([TemplateParsingProcessor(), loops]).process_template(context)


def translate(expanded: Any) -> Any:
    sam = json.loads(json.dumps(expanded, default=str))
    _mark_local((sam.get("Globals") or {}).get("Function") or {}, "CodeUri")
    for resource in (sam.get("Resources") or {}).values():
        if key := CODE_KEYS.get(resource.get("Type")):
            _mark_local(resource.setdefault("Properties", {}), key)
    translator = Translator(None, Parser(), boto_session=Session(region_name="us-east-1"))
    return translator.translate(sam, parameter_values={}, get_managed_policy_map=lambda: {})


def main(argv: list[str]) -> int:
    logging.disable(logging.WARNING)  # the translator's notes about feature toggles
    path = next(arg for arg in argv if not arg.startswith("--"))
    try:
        expanded = expand(path, resolve="--resolve" in argv)
        if "--expanded" not in argv:
            expanded = {"expanded": expanded, "translated": translate(expanded)}
    except Exception as error:  # SAM's own exceptions for an invalid template
        causes = " ".join(str(cause) for cause in getattr(error, "causes", ()))
        print(f"{type(error).__name__}: {error} {causes}".strip(), file=sys.stderr)
        return 2
    json.dump(expanded, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
