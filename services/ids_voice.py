"""How Ids's care speaks: every message of the welcome, the reminders and the weekly lists goes
through `say`, a direct message from Ids (`services.assistant.tell`), and in the colleague's own
language (`words`).

A direct message notifies as a colleague's message does, by the colleague's own settings, and is
counted in the digest like any other; Ids's care sends no mail of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from services import assistant

# The pages' catalogs: Ids writes in the language the colleague reads Kring in.
_TRANSLATIONS = Path(__file__).resolve().parent.parent / "web" / "translations"
DEFAULT_LOCALE = "nl"


@cache
def _catalog(locale: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    return Translations.load(str(_TRANSLATIONS), [locale])


def words(user: User) -> Callable[[str], str]:
    """gettext in `user`'s language (Dutch unless they chose English)."""
    return _catalog(user.locale if user.locale in {"nl", "en"} else DEFAULT_LOCALE).gettext


async def ids(db: AsyncSession) -> User:
    return await assistant.assistant_user(db)


async def say(db: AsyncSession, user_id: int, markdown: str) -> None:
    """A direct message from Ids to `user_id`, inside the caller's open unit of work."""
    await assistant.tell(db, user_id, markdown)
