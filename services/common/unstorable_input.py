"""Input no database can store is refused at the door, naming the parameter."""

from urllib.parse import parse_qsl

from starlette.requests import Request

from services.common.errors import problem


class NulByteGuard:
    """PostgreSQL text cannot hold NUL (U+0000); a query parameter carrying one is a 422, not a 500."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            names = [name for name, value in pairs if "\x00" in name or "\x00" in value]
            if names:
                errors = [{"field": name.replace("\x00", "\\0"), "message": "must not contain NUL characters"}
                          for name in names]
                response = problem(422, "Invalid input", "Text must not contain NUL characters.", "invalid",
                                   Request(scope), errors)
                return await response(scope, receive, send)
        await self.app(scope, receive, send)
