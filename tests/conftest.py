"""Shared fixtures: fresh databases, signed tokens, in-process apps and the four real processes."""

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal, TokenSigner, ensure_keypair
from services.registry import demo as registry_demo
from services.registry.app import create_app as create_registry
from services.registry.settings import RegistrySettings
from tests.databases import DatabaseFactory, backend, postgres_reachable
from tests.platform import Platform

IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pytest_sessionstart(session):
    if backend() == "postgres":
        reason = postgres_reachable()
        if reason:
            message = f"PostgreSQL is not reachable ({reason}); set TEST_POSTGRES_URL or start the server."
            if IN_CI:
                pytest.exit(message, returncode=1)
            session.config.zx_postgres_skip = message


def pytest_collection_modifyitems(config, items):
    message = getattr(config, "zx_postgres_skip", None)
    if message:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    ensure_keypair(directory)
    return directory


@pytest.fixture(scope="session")
def signer(key_dir) -> TokenSigner:
    return TokenSigner((key_dir / "gateway-private.pem").read_text(), "zhenxing-gateway")


@pytest.fixture(scope="session")
def token_for(signer):
    """`token_for("admin", audience="registry", towns=(...))` gives a header dict for a service call."""

    def make(role: str, audience: str, subject: str = "", towns: tuple[str, ...] = ()) -> dict[str, str]:
        principal = Principal(subject=subject or f"test-{role}", role=role, towns=towns)
        return {"Authorization": f"Bearer {signer.sign(principal, audience)}"}

    return make


@pytest.fixture
def service_client(databases, key_dir, tmp_path):
    """An in-process service on a fresh, migrated database: `service_client("registry")`."""
    clients = []

    def make(name: str, create_app, settings_class):
        url = databases.new(name)
        upgrade(name, url)
        settings = settings_class(database_url=url, var_dir=tmp_path, token_public_key=(
            key_dir / "gateway-public.pem").read_text(), log_level="WARNING")
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def registry(databases, key_dir, tmp_path_factory):
    """The real registry with its demo data, in-process, for the services that read it over its API."""
    url = databases.new("registry_demo")
    upgrade("registry", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        registry_demo.load_demo(session)
    engine.dispose()
    settings = RegistrySettings(database_url=url, var_dir=tmp_path_factory.mktemp("registry"), log_level="WARNING",
                                token_public_key=(key_dir / "gateway-public.pem").read_text())
    with TestClient(create_registry(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def platform(databases, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("platform")
    urls = {name: databases.new(name) for name in ("gateway", "registry", "assessment", "assets")}
    running = Platform(var_dir=var_dir, database_urls=urls)
    running.start_all()
    yield running
    running.stop_all()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "Chromium is missing: apt-get install chromium (browser tests drive Debian's build)."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
