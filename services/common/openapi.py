"""The OpenAPI every service publishes, with the problem+json answers each operation can give.

The statuses are derived here, from what a route is made of (its method, path parameters, body
and dependencies), rather than written on each route: a route that takes `IdempotencyDep` can
answer 409 because the dependency can, whoever wrote the route.
"""

import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from services.common.auth import authenticated_principal
from services.common.errors import PROBLEM
from services.common.http import check_if_match, idempotency
from services.common.uploads import uploaded_file

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details, as every error of every service is answered.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable machine-readable reason, e.g. unit_not_found"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "additionalProperties": True,
}

UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}

# Every request may carry a NUL byte in its query (the guard's 422), and passes the gateway, which
# answers 503 when the service is down.
ALWAYS = {422, 503}
DEPENDENCY_STATUSES: dict[Callable, set[int]] = {
    authenticated_principal: {401, 403},
    idempotency: {409, 422},
    uploaded_file: {400, 411, 413, 422},
}
TITLES = {400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
          409: "Conflict", 411: "Length required", 412: "Precondition failed", 413: "Too large",
          422: "Invalid input", 428: "Precondition required", 503: "Service unavailable"}


def _calls(dependant: Dependant) -> Iterator[Callable]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def problem_statuses(route: APIRoute | RouteContext, method: str, *, checks_caller: bool = False) -> set[int]:
    """The problems `method` on `route` can answer; `checks_caller` for hot paths that do it themselves."""
    statuses = set(ALWAYS)
    calls = set(_calls(route.dependant))
    for call, given in DEPENDENCY_STATUSES.items():
        if call in calls:
            statuses |= given
    if checks_caller:
        statuses |= DEPENDENCY_STATUSES[authenticated_principal]
    names_records = route.dependant.path_params or route.dependant.query_params or route.body_field is not None
    if names_records or checks_caller:
        statuses.add(404)  # the record named by the path, or one a query or body refers to
    if route.body_field is not None:
        statuses.add(400)  # a body that cannot be parsed at all
    if method != "GET":
        statuses.add(409)
    if _edits_a_record(route, method):
        statuses |= {412, 428}
    return statuses


def _edits_a_record(route: APIRoute | RouteContext, method: str) -> bool:
    """Whether the route takes If-Match: every edit (PUT, PATCH, DELETE), and a POST that moves a
    record on (start, submit, close) when its code, or a function of its module it calls, checks it."""
    if method in ("PUT", "PATCH", "DELETE"):
        return True
    return method == "POST" and route.endpoint is not None and _refers_to(route.endpoint, check_if_match)


def _refers_to(function: Callable, target: Callable, depth: int = 3) -> bool:
    """Whether `function` calls `target` by name, directly or through functions of its own module.

    If-Match is checked in the route's body, not by a dependency, so this is the only way to see it.
    """
    code, names = getattr(function, "__code__", None), getattr(function, "__globals__", {})
    if code is None or depth == 0:
        return False
    for name in code.co_names:
        found = names.get(name)
        if found is target:
            return True
        if (inspect.isfunction(found) and found.__module__ == function.__module__ and found is not function
                and _refers_to(found, target, depth - 1)):
            return True
    return False


def _problem_response(status: int) -> dict[str, Any]:
    return {"description": TITLES.get(status, "Problem"),
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _document(operation: dict[str, Any], statuses: set[int], uploads: bool) -> None:
    if uploads:
        operation.setdefault("requestBody", UPLOAD_BODY)
    if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
        statuses = statuses | {413}  # every file a service takes has a size limit
    responses = operation["responses"]
    if "HTTPValidationError" in str(responses.get("422", "")):
        del responses["422"]  # FastAPI's own shape; errors here are problems
    for status in sorted(statuses):
        responses.setdefault(str(status), _problem_response(status))


def describe_problems(app: FastAPI, *, hot_paths: Iterable[str] = ()) -> None:
    """Makes `app.openapi()` document each operation's problems, replacing FastAPI's 422 schema."""
    hot = set(hot_paths)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for route in iter_route_contexts(app.routes):  # routes of included routers, with their prefixes
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            uploads = uploaded_file in set(_calls(route.dependant))
            for method in (route.methods or set()) - {"HEAD"}:
                statuses = problem_statuses(route, method, checks_caller=route.path_format in hot)
                _document(schema["paths"][route.path_format][method.lower()], statuses, uploads)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["Problem"] = PROBLEM_SCHEMA
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
