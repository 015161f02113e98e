"""Signing in through the real login form, as a browser without JavaScript would."""

import re

import httpx

from gateway.demo import DEMO_PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    return TOKEN.search(page.text).group(1)


def sign_in(base_url: str, username: str, password: str = DEMO_PASSWORD) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=base_url, timeout=10)
    token = form_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/"})
    return client, response


def api_key(platform, name: str, role: str) -> str:
    """A new API key made with the admin command, as an operator would."""
    return platform.cli("create-api-key", "--name", name, "--role", role).stdout.strip()
