"""The layout's own rules, checked on the tree: modules stay small enough to read in one sitting."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def test_no_module_in_the_services_or_the_gateway_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): n for folder in ("services", "gateway") for path in (ROOT / folder).rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these by topic: {long}"


def test_every_part_of_the_assets_service_has_its_routes_and_models():
    parts = [p for p in (ROOT / "services/assets").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert {p.name for p in parts} >= {"plan", "fieldwork", "ledgers", "disclosure", "reports", "clients"}
    for part in parts:
        if part.name not in ("clients", "reports"):
            assert (part / "routes.py").exists() and (part / "models.py").exists(), part.name
