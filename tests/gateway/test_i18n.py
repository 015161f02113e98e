"""Every text a page shows has its Chinese and its English in the catalogues."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gateway.i18n import CATALOGUES, gettext_for
from services.common.auth import ROLES

TEMPLATES = Path(__file__).resolve().parents[2] / "gateway" / "templates"
LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*[,)]""")
KEYED = ([f"role:{r}" for r in ROLES] + [f"kind:{k}" for k in ("district", "town", "subdistrict", "village",
                                                                  "community")]
         + [f"status:{s}" for s in ("candidate", "awarded", "revoked")]
         + [f"state:{s}" for s in ("ready", "not_ready", "down")]
         + [f"service:{s}" for s in ("registry", "assessment", "assets")])


def template_messages() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        for match in LITERAL.finditer(path.read_text()):
            found.add(match.group(1) or match.group(2))
    return found


def catalogue(language: str) -> dict[str, str]:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_template_message_is_in_the_catalogue(language):
    missing = template_messages() - set(catalogue(language))
    assert missing == set()


def test_chinese_catalogue_translates_everything():
    untranslated = [msgid for msgid, text in catalogue("zh").items() if not text]
    assert untranslated == []


@pytest.mark.parametrize("key", KEYED)
def test_keyed_messages_read_as_words_in_both_languages(key):
    for language in ("zh", "en"):
        assert gettext_for(language)(key) != key


def test_placeholders_survive_translation():
    assert gettext_for("zh")("Welcome, %(name)s", name="王芳") == "欢迎，王芳"
    assert gettext_for("en")("Welcome, %(name)s", name="Wang") == "Welcome, Wang"
