"""Dutch words as search sees them: folded, stemmed, split into the words they are made of, and
verbs joined with their nouns.

People type "declareren" where the regulation says "Declareer maandelijks via het
declaratieformulier", and "vakantiedagen" where it says "vakantieverlof". A stemmer alone meets
neither: Dutch glues words together, and a verb on -eren has its noun on -atie. So each word
gets its `keys`:
- its Snowball stem (the `dutch_porter` stemmer PostgreSQL's `dutch` configuration uses);
- for the -eren verbs and their -atie / -ering nouns, one shared root on -eer (declareren,
  declareer, declaratie → "declareer"; informeren, informatie → "informeer");
and a compound its `parts` ("vakantiedagen" → vakantie + dagen), found with the word frequencies
of `wordfreq` as the dictionary: a split is taken where both sides are words people use.

The same analysis runs on what is indexed (`index_terms`) and on what is asked, so both
databases match on the same words.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer
import wordfreq

_stemmer = snowballstemmer.stemmer("dutch_porter")
_WORD = re.compile(r"[^\W_]+")

# A part must be at least this common (Zipf scale: 3 is once per million words, "declaratie" is
# 2.8) to count as a word of its own; rarer strings are mostly fragments ("isatie", "rmatie").
MIN_PART_ZIPF = 2.5
MIN_COMPOUND = 7  # shorter words are rarely compounds, and short splits are mostly noise
MIN_HEAD = 4  # "aan", "ver", "bij" are prefixes more often than words in a compound
MIN_TAIL = 3  # "dag" in "vakantiedag"
# Longer "words" are codes and encoded data, not Dutch; PostgreSQL refuses a term over 2047 bytes.
MAX_WORD = 100
# Endings that are words of their own elsewhere but suffixes at the end of a longer word.
_SUFFIXES = frozenset({"ing", "ingen", "ers", "tie", "ties", "heid", "lijk", "baar", "loos", "schap", "isch", "tje"})
# The -eren verbs and the nouns made from them, at the end of a word: the group before is the root.
_DERIVATION = re.compile(r"^(?:ge)?([a-z]{4,}?)(?:eren|eer|eert|eerde|eerden|eerd|atie|aties|ering|eringen)$")


class _WithoutAccents(dict[int, int | None]):
    """A `str.translate` table that drops combining marks and keeps every other character,
    learning each character once: filtering character by character in Python took two thirds
    of the time a 10,000-item import spent analysing."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_without_accents = _WithoutAccents()


def fold(value: str) -> str:
    """Lower case without accents: "Cliënt" → "client"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return decomposed if decomposed.isascii() else decomposed.translate(_without_accents)


def words(value: str) -> list[str]:
    """The words of `value`, folded."""
    return _WORD.findall(fold(value))


def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def load() -> None:
    """Load the word list now. A web process calls this before it serves: loaded on first use,
    its one long unpacking call holds the interpreter for over 100 ms, a stall of the event loop
    even from a thread (seen by tests/trust/test_hostile_uploads.py)."""
    _zipf()


@functools.cache
def _zipf() -> dict[str, float]:
    """Dutch words with how common they are; loaded once (about a second)."""
    frequencies = wordfreq.get_frequency_dict("nl", wordlist="large")
    floor = 10 ** (MIN_PART_ZIPF - 9)
    return {word: math.log10(frequency) + 9 for word, frequency in frequencies.items() if frequency >= floor}


def _is_word(value: str) -> bool:
    return value not in _SUFFIXES and _zipf().get(value, 0.0) >= MIN_PART_ZIPF


@functools.lru_cache(maxsize=200_000)
def keys(word: str) -> frozenset[str]:
    """What a folded word is matched on: its stem, and the root a verb shares with its noun."""
    found = {stem(word)}
    derived = _DERIVATION.match(word)
    if derived:
        found.add(derived.group(1) + "eer")
    return frozenset(found)


@functools.lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The words a folded compound is made of, or () when it is not one (or not known to be).
    The best split is the one whose least common side is most common, and more common than the
    whole word; the tail may itself be a compound ("ziekteverzuimregeling")."""
    if not MIN_COMPOUND <= len(word) <= MAX_WORD or not word.isalpha():
        return ()  # past MAX_WORD the split would recurse once per part, thousands deep
    best: tuple[str, ...] = ()
    best_score = 0.0
    for cut in range(MIN_HEAD, len(word) - MIN_TAIL + 1):
        head, tail = word[:cut], word[cut:]
        heads = [head]
        if head.endswith("s") and len(head) > MIN_HEAD:  # the linking s: "verzuimsbeleid"
            heads.append(head[:-1])
        for candidate in heads:
            if not _is_word(candidate):
                continue
            tails: tuple[str, ...] = (tail,) if _is_word(tail) else parts(tail)
            if not tails:
                continue
            score = min(_zipf()[part] for part in (candidate, *tails))
            # A word more common than its parts is a word of its own ("vertrouwen" is not
            # "vert" + "rouwen"); a rarer one is read as its parts.
            if score > best_score and score > _zipf().get(word, 0.0):
                best, best_score = (candidate, *tails), score
    return best


def rarest(found: Iterable[str]) -> str:
    """The part that says most about a compound: the least common one."""
    return min(found, key=lambda part: _zipf().get(part, 0.0))


def index_terms(*texts: str) -> str:
    """The keys of every word of `texts` and of the parts of its compounds, once each, for the
    `terms` column both databases match on."""
    unique = dict.fromkeys(itertools.chain.from_iterable(map(words, texts)))
    return " ".join(dict.fromkeys(itertools.chain.from_iterable(map(_terms_of_word, unique))))


@functools.lru_cache(maxsize=200_000)
def _terms_of_word(word: str) -> tuple[str, ...]:
    if len(word) > MAX_WORD:
        return ()
    found = dict.fromkeys(keys(word))
    for part in parts(word):
        found.update(dict.fromkeys(keys(part)))
    return tuple(found)


@functools.lru_cache(maxsize=200_000)
def keys_with_parts(word: str) -> frozenset[str]:
    """The keys of a folded word and of its compound parts: what a snippet marks it by."""
    return frozenset(_terms_of_word(word))
