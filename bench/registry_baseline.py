"""The bare baseline the registry's list endpoint is measured against: one raw ASGI callable that
runs the list page's SQL with the raw driver (sqlite3 or psycopg) and answers orjson of the rows.

No framework, no validation, no authentication, no count: what serving those rows costs at the
least, so `bench.registry_list` can say how much of it the real endpoint keeps. Started by the
bench as its own uvicorn process: `uvicorn bench.registry_baseline:create_app --factory`, with
BASELINE_DATABASE_URL naming the registry's database.
"""

import os
import sqlite3
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl

import orjson
import psycopg

FIELDS = ("unit_code", "level", "kind", "name", "name_pinyin", "name_en", "parent_code", "town_code",
          "urban_rural_code", "valid_from", "valid_to", "demo", "version")

PAGE_SQL = f"""
SELECT {", ".join(f"u.{name}" for name in FIELDS)} FROM unit u
WHERE u.town_code = {{town}} AND u.valid_from <= {{on}} AND (u.valid_to IS NULL OR u.valid_to > {{on}})
  AND (u.name LIKE {{contains}} OR lower(u.name_pinyin) LIKE {{contains}} OR u.unit_code LIKE {{prefix}})
  AND EXISTS (SELECT 1 FROM statistic_value v WHERE v.unit_code = u.unit_code AND v.metric_key = {{metric}}
              AND v.year = {{year}} AND v.value >= {{low}} AND v.value <= {{high}})
ORDER BY u.name, u.id LIMIT {{limit}}
"""
NAMES = ("town", "on", "contains", "prefix", "metric", "year", "low", "high", "limit")


def _sqlite(url: str):
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
    sql = PAGE_SQL.format(**{name: f":{name}" for name in NAMES})
    return connection, sql, float


def _postgres(url: str):
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    sql = PAGE_SQL.format(**{name: f"%({name})s" for name in NAMES})
    return connection, sql, Decimal


def create_app():
    url = os.environ["BASELINE_DATABASE_URL"]
    connection, sql, number = _sqlite(url) if url.startswith("sqlite") else _postgres(url)

    def page(query: dict[str, str]) -> bytes:
        q = query["q"].lower()
        args = {"town": query["town"], "on": date.today().isoformat(), "contains": f"%{q}%", "prefix": f"{q}%",
                "metric": query["metric"], "year": int(query["metric_year"]), "low": number(query["metric_min"]),
                "high": number(query["metric_max"]), "limit": int(query.get("limit", 50))}
        rows = connection.execute(sql, args).fetchall()
        return orjson.dumps({"items": [dict(zip(FIELDS, row, strict=True)) for row in rows]}, default=str)

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            connection.close()
            return await send({"type": "lifespan.shutdown.complete"})
        body = b"{}" if scope["path"] == "/healthz" else page(dict(parse_qsl(scope["query_string"].decode())))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app
