"""The settings the library reads and the variables the template gives the functions name the
same things: a misspelt variable on either side fails here, not in a deployed function."""

from __future__ import annotations

from session_actions.settings import VARIABLES, Settings

from tests.cloudformation import resources, translated

# Lambda sets these itself; the runtime libraries read their own prefixes.
RUNTIME_VARIABLES = {"AWS_REGION"}
LIBRARY_PREFIXES = ("POWERTOOLS_", "PYDANTIC_")


def template_variables() -> dict[str, set[str]]:
    """Each function's environment variable names, as the template gives them."""
    functions = resources("AWS::Lambda::Function", translated())
    return {
        name: set(function["Properties"].get("Environment", {}).get("Variables", {}))
        for name, function in functions.items()
    }


def test_every_template_variable_is_a_setting_or_a_librarys() -> None:
    given = set().union(*template_variables().values())
    unknown = {
        v for v in given if v not in VARIABLES.values() and not v.startswith(LIBRARY_PREFIXES)
    }
    assert not unknown, f"variables no code reads: {sorted(unknown)}"


def test_every_setting_is_given_by_the_template() -> None:
    given = set().union(*template_variables().values())
    assert set(VARIABLES.values()) - RUNTIME_VARIABLES <= given


def test_settings_are_read_from_their_variables() -> None:
    environment = {variable: f"value of {variable}" for variable in VARIABLES.values()}
    settings = Settings.from_environment(environment)
    for name, variable in VARIABLES.items():
        assert getattr(settings, name) == f"value of {variable}"
    assert Settings.from_environment({}).allowed_origin == "*"
