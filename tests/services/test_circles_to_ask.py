"""When Ids does not know, the asker may pass the question on to one of their circles in one
click: only circles they may post in, about the question's words, best first, and where others
read the answer never a circle those others may not know of."""

from __future__ import annotations

from urllib.parse import unquote

from sqlmodel.ext.asyncio.session import AsyncSession

from models import CircleKind, CircleVisibility, Role
from services import answering, answers, circle_admin, circles
from tests.support import Visitor, make_user

QUESTION = "@Ids hoeveel pensioen bouw ik op als ik minder ga werken?"


async def test_ids_passes_a_question_on_to_the_askers_circles_that_are_about_it(
    db: AsyncSession, visitor: Visitor
) -> None:
    admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
    anna = await make_user(db, "Anna de Vries")

    async def circle(name: str, visibility: CircleVisibility, description: str = "", *, join: bool = True) -> int:
        made = await circles.create_circle(
            db, admin, name=name, description=description, kind=CircleKind.INTEREST, visibility=visibility
        )
        if join:
            await circles.invite(db, admin, made.id or 0, anna.id or 0)
            await circles.join_circle(db, anna, made.id or 0)
        return made.id or 0

    in_name = await circle("Salaris en pensioen", CircleVisibility.OPEN)
    in_description = await circle("HR-vragen", CircleVisibility.CLOSED, "Verlof, pensioenen en werktijden.")
    secret = await circle("Pensioenclub", CircleVisibility.SECRET)
    not_hers = await circle("Pensioenfonds", CircleVisibility.OPEN, join=False)
    archived = await circle("Pensioen oud", CircleVisibility.OPEN)
    await circle_admin.archive(db, admin, archived)
    unrelated = await circle("Breien", CircleVisibility.OPEN, "Wol en werkjes.")
    chat_here = await circle("Wijkteam Noord", CircleVisibility.OPEN, "Over pensioen praten we hier ook.")

    # Asked of Ids alone: her circles about pensions, the name's match first, at most two.
    alone = await answers.find(db, anna, QUESTION, drop=["Ids"])
    assert not alone.known
    assert [c.id for c in alone.circles] == [secret, in_name]  # both by name; ties by name
    # Asked where others read along: never the secret one, nor the circle it was asked in.
    shared = await answers.find(db, anna, QUESTION, drop=["Ids"], place=chat_here)
    assert [c.id for c in shared.circles] == [in_name, in_description]
    for refused in (not_hers, archived, unrelated, secret, chat_here):
        assert refused not in [c.id for c in shared.circles]

    # The message links each one to the circle's post form with the question, without mentions.
    text = answering.compose(shared, lambda words: words, lambda item: "/")
    assert answering.IN_A_CIRCLE in text
    link = f"/circles/{in_name}?ask="
    assert link in text
    asked = text.split(link, 1)[1].split("#", 1)[0]
    assert unquote(asked) == "hoeveel pensioen bouw ik op als ik minder ga werken?"
    # Nothing fits: Ids says the question may be asked in a circle, and names none.
    nothing = await answers.find(db, anna, "Hoe laat gaat de kantine open?")
    assert nothing.circles == []
    assert answering.NOBODY in answering.compose(nothing, lambda words: words, lambda item: "/")

    # One click: the circle's page opens with the question in the composer, marked a question.
    await visitor.sign_in(anna)
    page = await visitor.get(f"{link}{asked}")
    assert page.status_code == 200
    composer = page.text.split('id="composer-body"', 1)[1].split("</textarea>", 1)[0]
    assert composer.endswith("hoeveel pensioen bouw ik op als ik minder ga werken?")
    assert 'name="question" value="on" checked' in page.text
    assert 'name="question" value="on" checked' not in (await visitor.get(f"/circles/{in_name}")).text
