"""Translations (Babel gettext catalogs under web/translations) and the choice of language.

Dutch is the default. A signed-in colleague's own choice wins, then the language cookie an
anonymous visitor picked, then the organisation's `KRING_LOCALE`.
"""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations
from starlette.requests import HTTPConnection

from config.settings import SUPPORTED_LOCALES

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"
LANGUAGE_COOKIE = "kring_lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class Catalogs:
    """The compiled catalog of each supported language, loaded once."""

    def __init__(self, directory: Path = TRANSLATIONS_DIR) -> None:
        self._by_locale: dict[str, NullTranslations] = {}
        for locale in SUPPORTED_LOCALES:
            translations = Translations.load(str(directory), [locale])
            if locale != "en" and not isinstance(translations, Translations):
                raise RuntimeError(
                    f"no compiled {locale} catalog in {directory}: run `make install` (pybabel compile) first"
                )
            self._by_locale[locale] = translations

    def get(self, locale: str) -> NullTranslations:
        return self._by_locale[locale]


def choose_locale(conn: HTTPConnection, user_locale: str | None, default: str) -> str:
    if user_locale in SUPPORTED_LOCALES:
        return str(user_locale)
    cookie = conn.cookies.get(LANGUAGE_COOKIE)
    if cookie in SUPPORTED_LOCALES:
        return str(cookie)
    return default
