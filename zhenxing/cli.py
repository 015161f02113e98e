"""`zhenxing`: the platform's admin command (migrations, demo data, users, API keys, audit chains)."""

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlmodel import Session

from gateway import demo
from gateway.auth import accounts
from gateway.settings import get_settings as gateway_settings
from services.assessment import demo as assessment_demo
from services.assessment import inputs as assessment_inputs
from services.assessment.settings import get_settings as assessment_settings
from services.assets.clients.registry import read_district
from services.assets.plan import demo as assets_demo
from services.assets.settings import get_settings as assets_settings
from services.common import audit
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal, TokenSigner, ensure_keypair
from services.registry import demo as registry_demo
from services.registry.app import create_app as registry_app
from services.registry.settings import get_settings as registry_settings

# The demo loader reads the registry in-process through Starlette's test client, which warns
# that it prefers another HTTP library; the warning says nothing to someone running `make run`.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

app = typer.Typer(help="Zhenxing (振兴) platform administration.", no_args_is_help=True)
SETTINGS = {"gateway": gateway_settings, "registry": registry_settings,
            "assessment": assessment_settings, "assets": assets_settings}


def _engine(name: str):
    return make_engine(SETTINGS[name]().resolved_database_url(), pool_size=1)


def _gateway_session() -> Session:
    return Session(_engine("gateway"))


@app.command()
def migrate(service: str = typer.Option("", help="One of gateway, registry, assessment, assets; default all.")):
    """Bring each database to its newest schema."""
    for name in [service] if service else SETTINGS:
        upgrade(name, SETTINGS[name]().resolved_database_url())
        typer.echo(f"{name}: migrated to head")


@app.command("load-demo")
def load_demo():
    """Load the demo data (running it again changes nothing)."""
    ensure_keypair(gateway_settings().var_dir / "keys")
    with _gateway_session() as session, session.begin():
        made = demo.load_demo_users(session)
    typer.echo(f"gateway: {made} demo users created")
    with Session(_engine("registry")) as session, session.begin():
        units = registry_demo.load_demo(session)
    typer.echo(f"registry: demo units created {units or 'none (already loaded)'}")
    from services.assets.fieldwork import demo as fieldwork_demo

    with _registry_reader("assets") as registry:
        district = read_district(registry, assets_settings().district_code, assets_demo.CURRENT_YEAR)
    with Session(_engine("assets")) as session, session.begin():
        made = assets_demo.load_demo(session, district)
        made |= fieldwork_demo.load_fieldwork(session)
    typer.echo(f"assets: demo created {made}")
    from services.assets.disclosure import demo as disclosure_demo
    from services.assets.ledgers import demo as ledgers_demo

    with Session(_engine("assets")) as session, session.begin():
        made = ledgers_demo.load_ledgers(session, district)
        made["publications"] = disclosure_demo.load_publications(session, district)
    typer.echo(f"assets: demo ledgers created {made}")
    with _registry_reader("assessment") as registry:
        documents = {d: assessment_inputs.read_registry(registry, d, y) for d, y in assessment_demo.PERIODS}
    with Session(_engine("assessment")) as session, session.begin():
        made = assessment_demo.load_demo(session, documents)
    typer.echo(f"assessment: demo created {made or 'nothing (already loaded)'}")


@contextmanager
def _registry_reader(audience: str) -> Iterator[TestClient]:
    """The registry's API served in-process, as a service reading it would: no registry server needed."""
    gateway = gateway_settings()
    private_pem = gateway.token_private_key or ensure_keypair(gateway.var_dir / "keys")[0].read_text()
    token = TokenSigner(private_pem, gateway.token_issuer).sign(
        Principal(subject="demo-loader", role="admin", kind="system"), audience)
    quiet = registry_settings().model_copy(update={"log_level": "WARNING"})
    with TestClient(registry_app(quiet)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@app.command("create-user")
def create_user(username: str = typer.Option(...), role: str = typer.Option(...),
                name: str = typer.Option(""), towns: str = typer.Option("", help="Comma-separated town codes."),
                password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True)):
    """Create a person who signs in at the gateway."""
    with _gateway_session() as session, session.begin():
        accounts.create_user(session, username=username, password=password, role=role, display_name=name,
                             towns=towns, actor="cli")
    typer.echo(f"user {username} created with role {role}")


@app.command("create-api-key")
def create_api_key(name: str = typer.Option(...), role: str = typer.Option(...),
                   towns: str = typer.Option("", help="Comma-separated town codes.")):
    """Create an API client for another system and print its key, once."""
    with _gateway_session() as session, session.begin():
        _client, key = accounts.create_api_key(session, name=name, role=role, towns=towns, actor="cli")
    typer.echo(key)


@app.command("revoke-api-key")
def revoke_api_key(name: str = typer.Option(...)):
    """Revoke an API client's key; it stops working within seconds."""
    with _gateway_session() as session, session.begin():
        accounts.revoke_api_key(session, name=name, actor="cli")
    typer.echo(f"API key of {name} revoked")


@app.command("verify-audit")
def verify_audit(service: str = typer.Option("", help="One process; default all.")):
    """Check every audit chain; names the first record that was edited or removed."""
    broken = False
    for name in [service] if service else SETTINGS:
        with Session(_engine(name)) as session:
            report = audit.verify_chain(session)
        if report.ok:
            typer.echo(f"{name}: ok, {report.checked} records")
        else:
            broken = True
            typer.echo(f"{name}: BROKEN at record {report.first_bad_seq}: {report.reason}")
    sys.exit(1 if broken else 0)


@app.command()
def banner():
    """Print where to sign in and the demo accounts."""
    settings = gateway_settings()
    typer.echo("\n  Zhenxing (振兴) is starting: http://127.0.0.1:8000/  (gateway)")
    typer.echo("  services: registry :8001, assessment :8002, assets :8003 (behind the gateway)")
    typer.echo(f"  demo accounts (password '{demo.DEMO_PASSWORD}'):")
    for username, name, role, _towns in demo.DEMO_USERS:
        typer.echo(f"    {username:<9} {role:<19} {name}")
    typer.echo(f"  data: {settings.var_dir}  ·  stop with Ctrl-C\n")


if __name__ == "__main__":
    app()
