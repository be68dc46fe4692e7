"""``template.yaml`` as AWS SAM translates it; run by the SAM CLI's own Python, not ours.

The SAM CLI pins its own boto3 and pydantic, so this script runs in its environment
(``.tools/sam``) and imports nothing of the project. It unrolls ``Fn::ForEach``
(``AWS::LanguageExtensions``) with the SAM CLI's own processor, then translates the result with
aws-sam-translator into plain CloudFormation. A local code folder becomes
``s3://sessions-local/<folder>`` first, as ``sam validate`` does with a placeholder, so the
translation still says which folder each function and layer comes from.

``python sam_translation.py TEMPLATE`` prints ``{"expanded": ..., "translated": ...}``;
``--expanded`` prints the expanded SAM template alone (for scanners that cannot read loops);
``--resolve`` expands as the SAM CLI's commands do, resolving what the defaults allow.
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


def expand(path: str, *, resolve: bool = False) -> Any:
    """The template with its ``Fn::ForEach`` loops unrolled by the SAM CLI's own processor.

    Only the loops, unless ``resolve``: the SAM CLI's full local expansion (what ``sam build``
    and ``sam validate`` see) also resolves the other intrinsics with the parameters' defaults,
    and turns a ``Fn::Sub`` that names a resource into a bare string. Left as written, they are
    resolved by CloudFormation's rules with the local API's own parameters.
    """
    from samcli.lib.cfn_language_extensions.api import create_default_intrinsic_resolver
    from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
    from samcli.lib.cfn_language_extensions.pipeline import ProcessingPipeline
    from samcli.lib.cfn_language_extensions.processors import (
        ForEachProcessor,
        TemplateParsingProcessor,
    )
    from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
    from samcli.yamlhelper import yaml_parse

    with open(path, encoding="utf-8") as handle:
        template = yaml_parse(handle.read())
    if resolve:
        from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable

        pseudo = dict(IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES)
        full = expand_language_extensions(template, parameter_values=pseudo, enabled=True)
        return json.loads(json.dumps(full.expanded_template, default=str))
    context = TemplateProcessingContext(fragment=template)
    loops = ForEachProcessor(intrinsic_resolver=create_default_intrinsic_resolver(context))
    expanded = ProcessingPipeline([TemplateParsingProcessor(), loops]).process_template(context)
    return json.loads(json.dumps(expanded, default=str))


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
    resolve = "--resolve" in argv
    path = next(arg for arg in argv if not arg.startswith("--"))
    try:
        expanded = expand(path, resolve=resolve)
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
