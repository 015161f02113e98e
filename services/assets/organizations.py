"""The organization a ledger row belongs to, as the registry gives it on the day (kept as a snapshot)."""

import httpx
from fastapi import Request

from services.assets.registry import RegistryUnavailable, registry_client
from services.common.errors import Invalid

SNAPSHOT = ("credit_code", "organization_name", "unit_code", "unit_name", "town_code")


def organization_snapshot(request: Request, credit_code: str) -> dict:
    """Reads the organization and its village from the registry with the caller's token."""
    settings = request.app.state.settings
    client = registry_client(settings.registry_url, request.headers["authorization"],
                             timeout=settings.registry_timeout,
                             shared=getattr(request.app.state, "registry_client", None))
    organization = _get(client, f"/v1/organizations/{credit_code}")
    if organization is None:
        raise Invalid("credit_code", "名录中没有该集体经济组织 / no such organization in the registry",
                      code="organization_unknown")
    unit = _get(client, f"/v1/units/{organization['unit_code']}") or {}
    town = _get(client, f"/v1/units/{organization['town_code']}") or {}
    return {"credit_code": organization["credit_code"], "organization_name": organization["name"],
            "unit_code": organization["unit_code"], "unit_name": unit.get("name", ""),
            "town_code": organization["town_code"], "town_name": town.get("name", "")}


def ledger_snapshot(organization: dict) -> dict:
    """The part of the snapshot every ledger row keeps."""
    return {name: organization[name] for name in SNAPSHOT}


def _get(client: httpx.Client, path: str) -> dict | None:
    try:
        response = client.get(path)
    except httpx.HTTPError as exc:
        raise RegistryUnavailable(f"The registry cannot be reached ({type(exc).__name__}).") from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise RegistryUnavailable(f"The registry answered {response.status_code} to {path}.")
    return response.json()
