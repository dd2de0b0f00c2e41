"""Which colleagues could know about a question's words, narrowed in SQL before Ids scores them.

`answers.who_knows` matches each question word against the words of a colleague's "ask me about"
skills and team, by the search's rule (`search.Word`: a word starting with one of its
`prefixes`, or one whose keys or compound parts' keys meet its keys). Reading every colleague to
do that in Python is a few thousand rows per question; `might_match` keeps the candidates in SQL,
on each colleague's search row (`accounts.search_entry`: name, job title, team, location, skills,
bio), which every change to a profile rewrites in the same unit of work.

Guarantee: `might_match` is true for every colleague the Python rule would match (it may be true
for more, whose name or bio holds the word; the scoring then leaves them out):
- a key of a word of the skills or team is one of the row's `terms` (`dutch_words.index_terms`
  holds exactly the keys of every word and of its compound parts), so it is found whole;
- a word starting with a prefix is found in the row's text as typed (lower case), and, where
  the word has accents that folding drops, by its stem among the `terms`, which starts with the
  prefix as the word does (the prefix is itself a stem).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, literal, or_
from sqlmodel import col, select

from models import ItemKind, SearchItem, User
from services.search import Word


def might_match(words: Sequence[Word]) -> ColumnElement[bool]:
    """SQL condition on `users`: the colleague's search row could match one of `words`."""
    keys = sorted({key for word in words for key in word.all_keys()})
    prefixes = sorted({prefix for word in words for prefix in word.prefixes if prefix})
    if not keys and not prefixes:
        return false()
    terms = literal(" ") + col(SearchItem.terms) + literal(" ")
    text = func.lower(col(SearchItem.body))
    options = [terms.contains(f" {key} ", autoescape=True) for key in keys]
    options += [terms.contains(f" {prefix}", autoescape=True) for prefix in prefixes]
    options += [text.contains(prefix, autoescape=True) for prefix in prefixes]
    rows = select(SearchItem.ref_id).where(col(SearchItem.kind) == ItemKind.PERSON, or_(*options))
    return col(User.id).in_(rows)
