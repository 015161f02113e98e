"""compose.yaml, the production deployment, checked where there is no Docker engine.

The file is validated against the Compose Specification's JSON schema, kept beside this module as
compose-spec.json and copied unchanged: `schema/compose-spec.json` of the compose-spec/compose-spec
repository (branch master as published on 14 May 2022), under the Apache License 2.0. The rest is the
wiring a schema cannot see: every process is given its settings, only the gateway is published, the
database is health-checked and kept, migrations finish before any process starts, and the signing key
stays with the gateway.
"""

import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft201909Validator

from gateway.settings import GatewaySettings
from services.assessment.settings import AssessmentSettings
from services.assets.settings import AssetsSettings
from services.registry.settings import RegistrySettings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("compose-spec.json")
SETTINGS = {"gateway": GatewaySettings, "registry": RegistrySettings,
            "assessment": AssessmentSettings, "assets": AssetsSettings}
PREFIXES = {name.upper(): settings for name, settings in SETTINGS.items()}
UPSTREAMS = {"registry": "GATEWAY_REGISTRY_URL", "assessment": "GATEWAY_ASSESSMENT_URL",
             "assets": "GATEWAY_ASSETS_URL"}
# What Compose substitutes in values: `$$` (a literal $), `${NAME}` with or without a modifier
# (`:-default`, `-default`, `:?error`, `?error`, `:+other`, `+other`) and `$NAME`; any other `$` is an error.
VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?P<modifier>:?[-?+][^}]*)?\}"
                      r"|(?P<named>[A-Za-z_]\w*)|(?P<invalid>))")
DUMMY = "dummy"


def interpolate(node, variables: dict[str, set[str]]):
    """Substitute a dummy value for every variable, as Compose does with each one set.

    Records each variable's modifiers in `variables` ('' where there is none).
    """
    if isinstance(node, dict):
        return {key: interpolate(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, variables) for item in node]
    if isinstance(node, str):
        return VARIABLE.sub(lambda match: _substitute(match, variables), node)
    return node


def _substitute(match: re.Match, variables: dict[str, set[str]]) -> str:
    if match["escaped"]:
        return "$"
    if match["invalid"] is not None:
        raise ValueError(f"invalid interpolation format in {match.string!r}")
    variables.setdefault(match["braced"] or match["named"], set()).add(match["modifier"] or "")
    return DUMMY


def load_compose() -> tuple[dict, dict[str, set[str]]]:
    variables: dict[str, set[str]] = {}
    document = interpolate(yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8")), variables)
    return document, variables


def schema_errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The schema declares draft 2019-09 by a URI jsonschema does not know ("http://...schema#"), so
    # validator_for would fall back to the newest draft with nothing but a warning: name the draft.
    assert "draft/2019-09" in schema["$schema"]
    Draft201909Validator.check_schema(schema)
    errors = Draft201909Validator(schema).iter_errors(document)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def mounts(service: dict) -> dict[str, tuple[str, str]]:
    """Short-syntax volumes as {container path: (source, mode)}."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        found[target] = (source, mode[0] if mode else "rw")
    return found


def listening_port(service: dict) -> str:
    command = service["command"]
    return command[command.index("--port") + 1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()[0]


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def test_interpolation_substitutes_every_form_compose_accepts():
    variables: dict[str, set[str]] = {}
    text = interpolate("a${A:?say A}b${B:-x}c$C$${D}", variables)
    assert text == f"a{DUMMY}b{DUMMY}c{DUMMY}${{D}}"
    assert variables == {"A": {":?say A"}, "B": {":-x"}, "C": {""}}
    with pytest.raises(ValueError, match="invalid interpolation"):
        interpolate("cost: 5$", {})


def test_compose_file_is_valid_against_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_schema_refuses_a_compose_file_whose_ports_is_a_number(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["ports"] = 8000
    assert "services/gateway/ports: 8000 is not of type 'array'" in schema_errors(broken)


def test_unset_variables_without_a_default_stop_compose():
    _document, variables = load_compose()
    assert "POSTGRES_PASSWORD" in variables
    silent = {name for name, modifiers in variables.items()
              if any(not modifier.lstrip(":").startswith(("-", "?")) for modifier in modifiers)}
    assert silent == set(), "use ${NAME:?message} or give a default"


@pytest.mark.parametrize("name", SETTINGS)
def test_every_process_is_given_the_settings_it_needs(services, name, monkeypatch):
    environment = services[name]["environment"]
    prefix = name.upper()
    required = {f"{prefix}_DATABASE_URL"} | (set(UPSTREAMS.values()) if name == "gateway" else set())
    assert required <= environment.keys()
    assert {f"{prefix}_VAR_DIR", f"{prefix}_TOKEN_PUBLIC_KEY", "GATEWAY_TOKEN_PRIVATE_KEY"} & environment.keys()
    for variable, value in environment.items():
        monkeypatch.setenv(variable, str(value))
    settings = SETTINGS[name]()
    assert settings.database_url == environment[f"{prefix}_DATABASE_URL"]


def test_every_prefixed_variable_names_a_setting(services):
    unknown = {(service_name, variable)
               for service_name, service in services.items()
               for variable in service.get("environment", {})
               if (prefix := variable.split("_", 1)[0]) in PREFIXES
               and variable.removeprefix(prefix + "_").lower() not in PREFIXES[prefix].model_fields}
    assert unknown == set()


def test_each_process_uses_its_own_database_made_by_the_init_script(services):
    created = set(re.findall(r"CREATE DATABASE (\w+)", (ROOT / "deploy" / "initdb.sql").read_text()))
    urls = {name: urlsplit(services[name]["environment"][f"{name.upper()}_DATABASE_URL"]) for name in SETTINGS}
    assert {url.hostname for url in urls.values()} == {"db"}
    assert {url.scheme for url in urls.values()} == {"postgresql"}
    assert {name: url.path.lstrip("/") for name, url in urls.items()} == {name: name for name in SETTINGS}
    assert set(SETTINGS) <= created
    assert mounts(services["db"])["/docker-entrypoint-initdb.d/10-databases.sql"][0] == "./deploy/initdb.sql"


def test_migrate_upgrades_the_databases_the_processes_use(services):
    migrate = services["migrate"]["environment"]
    for name in SETTINGS:
        variable = f"{name.upper()}_DATABASE_URL"
        assert migrate[variable] == services[name]["environment"][variable]
    assert "zhenxing migrate" in services["migrate"]["command"][-1]


def test_gateway_reaches_each_service_at_the_port_it_listens_on(services):
    gateway = services["gateway"]["environment"]
    for name, variable in UPSTREAMS.items():
        assert gateway[variable] == f"http://{name}:{listening_port(services[name])}"


def test_only_the_gateway_publishes_a_port(services):
    assert [name for name, service in services.items() if "ports" in service] == ["gateway"]
    assert [port.rsplit(":", 1)[-1] for port in services["gateway"]["ports"]] == [listening_port(services["gateway"])]


def test_database_is_health_checked_and_keeps_its_data_in_a_named_volume(compose, services):
    db = services["db"]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in db["healthcheck"]["test"]
    source, _mode = mounts(db)["/var/lib/postgresql/data"]
    assert source in compose["volumes"]


def test_migrations_complete_before_any_process_starts(services):
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in SETTINGS:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_gateway_starts_once_the_services_are_ready(services):
    depends_on = services["gateway"]["depends_on"]
    assert {name: depends_on[name]["condition"] for name in UPSTREAMS} == dict.fromkeys(UPSTREAMS, "service_healthy")


@pytest.mark.parametrize("name", SETTINGS)
def test_every_process_reports_its_health_from_readyz(services, name):
    command = " ".join(services[name]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{listening_port(services[name])}/readyz" in command


@pytest.mark.parametrize("name", SETTINGS)
def test_every_process_finds_the_public_key_where_its_settings_look(services, name):
    var_dir = services[name]["environment"][f"{name.upper()}_VAR_DIR"]
    assert f"{var_dir}/keys" in mounts(services[name])


def test_only_the_gateway_and_migrate_hold_the_signing_key(services):
    var_dir = services["gateway"]["environment"]["GATEWAY_VAR_DIR"]
    signing_volume, _mode = mounts(services["gateway"])[f"{var_dir}/keys"]
    holders = {name for name, service in services.items()
               if signing_volume in {source for source, _mode in mounts(service).values()}}
    assert holders == {"gateway", "migrate"}
    for name in UPSTREAMS:
        assert {mode for _source, mode in mounts(services[name]).values()} == {"ro"}


def test_image_runs_as_an_unprivileged_user(services):
    instructions = [line.split(None, 1) for line in (ROOT / "Dockerfile").read_text().splitlines()
                    if line and not line.startswith((" ", "#"))]
    assert ["FROM", "python:3.11-slim"] in instructions
    users = [argument for keyword, argument in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert all(service.get("user") is None for service in services.values())
