"""Babel message catalogues: Chinese first, English on the switch."""

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "zx_lang"
CATALOGUES = Path(__file__).parent / "translations"



@cache
def translations(language: str) -> gettext.NullTranslations:
    """Compiled in memory from the .po file, so no build step is needed."""
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext_for(language: str):
    """The `_` that templates call: `_("Sign in")`, `_("%(n)s villages", n=3)`."""
    catalogue = translations(language)

    def translate(message: str, **params) -> str:
        text = catalogue.gettext(message)
        return text % params if params else text

    return translate


def pick_language(cookie: str | None, query: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
