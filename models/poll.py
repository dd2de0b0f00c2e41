"""Polls in a circle post or a chat message: the question, its options, and the votes.

A named poll keeps each vote as it is (`poll_votes`: who chose what), since every reader sees
who voted what. An anonymous poll keeps two things that never meet in a row: that a colleague
voted (`poll_voters`) and what was chosen, under a keyed hash of the voter (`poll_ballots`);
`services/polls.py` explains why and what that costs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


def _fk(target: str, *, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index)


class Poll(SQLModel, table=True):
    __tablename__ = "polls"

    id: int | None = Field(default=None, primary_key=True)
    # The item it is in ("post:12", "message:7"), whose access rule it follows; one poll each.
    target: str = Field(max_length=40, unique=True)
    circle_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("circles.id", ondelete="CASCADE"), nullable=True)
    )
    author_id: int = Field(sa_column=_fk("users.id", index=False))
    question: str = Field(max_length=300)
    max_choices: int = 1  # 1: one choice; more: up to that many options at once
    anonymous: bool = False
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # closes by itself then
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # closed early by hand
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_options"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=_fk("polls.id"))
    position: int
    label: str = Field(max_length=200)


class PollVote(SQLModel, table=True):
    """A vote in a named poll: who chose which option."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("option_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=_fk("polls.id"))
    option_id: int = Field(sa_column=_fk("poll_options.id", index=False))
    user_id: int = Field(sa_column=_fk("users.id", index=False))


class PollVoter(SQLModel, table=True):
    """That a colleague voted in an anonymous poll, without what: one vote per colleague."""

    __tablename__ = "poll_voters"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "user_id"),)

    poll_id: int = Field(sa_column=Column(Integer, ForeignKey("polls.id", ondelete="CASCADE"), nullable=False))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False))


class PollBallot(SQLModel, table=True):
    """A choice in an anonymous poll, under the voter's keyed hash (`services.poll_state.ballot_of`);
    no id, no time: nothing but the hash says whose it is."""

    __tablename__ = "poll_ballots"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "ballot", "option_id"),)

    poll_id: int = Field(sa_column=Column(Integer, ForeignKey("polls.id", ondelete="CASCADE"), nullable=False))
    ballot: str = Field(sa_column=Column(String(64), nullable=False))
    option_id: int = Field(sa_column=Column(Integer, ForeignKey("poll_options.id", ondelete="CASCADE"), nullable=False))
