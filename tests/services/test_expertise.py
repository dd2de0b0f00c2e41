"""Who may know is narrowed in SQL (`expertise.might_match`) before Ids scores skills and teams in
Python: the narrowing never loses a colleague the scoring would name, and leaves out those whose
profile has nothing to do with the question."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role, User, UserKind
from services import answers, expertise, search, synonyms
from tests.support import make_user

PROFILES = [
    ("Orhan Aydin", "Salarisadministratie", ["pensioenen", "loonstroken"]),
    ("Chloë Ismaïli", "Wijkteam Noord", ["Cliëntondersteuning", "privé-budgetten"]),
    ("Daan Peeters", "Financiën", ["declaraties", "inkoop"]),
    ("Sanne Bakker", "Schuldhulp", ["schuldhulpverlening", "budgetcoaching"]),
    ("Femke Jansen", "Dagbesteding", ["vakantieplanning"]),
    ("Ruud Smit", "Facilitair", ["verlof"]),
    ("Willem Breier", "Kantine", ["koffie", "breien"]),
]
QUESTIONS = [
    "Wie weet iets van pensioen?",
    "Hoe declareer ik reiskosten?",  # the -eren verb meets the -atie noun
    "Kan iemand mij helpen met clienten?",  # without the diaeresis the skill has
    "Wie helpt bij schulden?",
    "Hoeveel vakantiedagen heb ik?",  # a compound, and a synonym of one of its parts
    "Wie zit er in Noord?",
    "Prive budget aanvragen",
    "Hoe laat gaat de bibliotheek open?",  # nobody
]


async def test_the_sql_narrowing_keeps_everyone_the_scoring_would_name(db: AsyncSession) -> None:
    admin = await make_user(db, "Anja Admin", role=Role.ADMIN)
    for name, team, skills in PROFILES:
        await make_user(db, name, team=team, skills=skills)
    await synonyms.replace_all(db, admin, "verlof, vakantie")
    groups = await synonyms.groups(db)
    everyone = list(
        (await db.exec(select(User).where(col(User.is_active).is_(True), User.kind == UserKind.PERSON))).all()
    )
    named_somewhere = set()
    for question in QUESTIONS:
        words = search.analyse(answers.question_terms(question), groups)
        matchers = [answers._word_matcher(word) for word in words]
        narrowed = (await db.exec(select(User).where(expertise.might_match(words)))).all()
        wanted = {person.name for person in everyone if answers._rank_people([person], matchers)}
        assert wanted <= {person.name for person in narrowed}, question
        assert len(narrowed) < len(everyone), question  # narrowed indeed
        # And who_knows, narrowed, names whom the scoring over everyone would.
        assert [p.name for p in await answers.who_knows(db, words, matchers, [])] == [
            p.name for p in answers._rank_people(sorted(everyone, key=lambda p: p.name), matchers)
        ], question
        named_somewhere |= wanted
    # The questions reach the profiles that way: by verb and noun, without accents, by synonym.
    assert {"Orhan Aydin", "Daan Peeters", "Chloë Ismaïli", "Sanne Bakker", "Femke Jansen", "Ruud Smit"} <= (
        named_somewhere
    )
    assert "Willem Breier" not in named_somewhere
