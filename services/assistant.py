"""The organisation's virtual colleague ("Ids" unless the branding names it otherwise).

The assistant is an account (`User` of kind `assistant`), so it is mentioned, sent direct
messages and shown as anyone is, and it speaks through the same domain operations as a person
(`services.chat`, `services.direct`, `services.comments`): its messages carry the same events.
Nobody signs in as it (it has no password; `services.sessions` refuses it), administrators
cannot deactivate, reset or re-role it (`services.accounts`), and it counts in no colleague
figure (`services.insight`, the people lists).

Guarantees: there is one assistant per installation. `assistant_user` makes it on first need
with an insert that a concurrent one (another worker) cannot double: its fixed address is
unique, and the loser's insert does nothing and reads the winner's row. Its name follows the
branding (`services.branding` renames it in the change's unit of work); its picture is the
branding's (`/brand/assistant`).
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Branding, Message, User, UserKind
from models.base import utcnow
from models.branding import BRANDING_ROW
from services import chat, direct
from services.branding import DEFAULT_ASSISTANT_NAME
from services.transactions import unit_of_work, writes

# Reserved (RFC 2606): no mail ever reaches it, and no colleague can have it.
ADDRESS = "assistant@kring.invalid"
# Not an argon2 hash, so no password ever matches it (`passwords.verify_password`).
NO_PASSWORD = "!assistant"
# The assistant answers whoever asks; a person's 30 messages a minute would silence it in a busy hour.
LIMITS = chat.ChatLimits(max_chars=8_000, per_minute=100_000)


async def assistant_id(db: AsyncSession) -> int | None:
    """The assistant's id, if it exists yet (a cheap check for the paths that ask whether a
    message is meant for it)."""
    return (await db.exec(select(User.id).where(User.kind == UserKind.ASSISTANT))).first()


async def assistant_user(db: AsyncSession) -> User:
    """The assistant's account, made on first need (see the module docstring)."""
    found = await _find(db)
    if found is not None:
        return found
    async with unit_of_work(db):
        row = await db.get(Branding, BRANDING_ROW)
        values = {
            "email": ADDRESS,
            "name": (row.assistant_name if row is not None else None) or DEFAULT_ASSISTANT_NAME,
            "password_hash": NO_PASSWORD,
            "kind": UserKind.ASSISTANT.value,
            "role": "member",
            "skills": [],
            "job_title": "",
            "team": "",
            "location": "",
            "bio": "",
            "is_active": True,
            "created_at": utcnow(),
            "password_changed_at": utcnow(),
        }
        insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        await db.exec(insert(User).values(**values).on_conflict_do_nothing(index_elements=["email"]))
        found = await _find(db)
    if found is None:  # pragma: no cover - the row was just made or was there
        raise RuntimeError("the assistant's account could not be made")
    return found


async def _find(db: AsyncSession) -> User | None:
    return (await db.exec(select(User).where(User.kind == UserKind.ASSISTANT).order_by(User.id))).first()  # type: ignore[arg-type]


@writes
async def tell(db: AsyncSession, user_id: int, markdown: str) -> Message:
    """Send `markdown` from the assistant to one colleague in their direct conversation (opened
    on first need), through the same operations and events as a person's message. Joins the
    caller's unit of work when one is open."""
    assistant = await assistant_user(db)
    conversation = await direct.open_conversation(db, assistant, [user_id])
    return await chat.post_message(db, assistant, conversation.id or 0, body=markdown, limits=LIMITS)
