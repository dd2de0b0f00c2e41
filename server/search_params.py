"""What the search page and the search API share: the query they read from the URL (declared
once, for the parsing and the OpenAPI document), and where each kind of found item lives."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pydantic import Field

from models import ItemKind, QuestionState, SearchItem
from server.params import Day, Limit, Offset, QueryId, QueryIn, Text
from services.search import Query

MAX_QUERY = 200


class ListQuery(QueryIn):
    """The filters the document and page lists share with search."""

    tag: list[Text] = Field(
        default_factory=list, description="Only items with this tag (repeatable, or comma-separated: all of them)."
    )
    circle: QueryId | None = Field(default=None, description="Only items of this circle.")
    limit: Limit = Field(default=50, description="At most this many.")
    offset: Offset = Field(default=0, description="Skip this many.")

    def tags(self) -> list[str]:
        return [tag for value in self.tag for tag in value.split(",") if tag.strip()][:10]


class SearchQuery(ListQuery):
    q: Text = Field(default="", description="The words; every word must match. Empty: newest first.")
    type: list[ItemKind] = Field(default_factory=list, description="Only items of this kind (repeatable).")
    since: Day | None = Field(default=None, alias="from", description="Only items made on or after this date.")
    to: Day | None = Field(default=None, description="Only items made on or before this date.")
    question: QuestionState | None = Field(
        default=None, description="Only questions: `open` (no accepted answer yet) or `answered`."
    )
    limit: Limit = Field(default=20, description="At most this many.")

    def query(self) -> Query:
        return Query(
            text=self.q[:MAX_QUERY],
            kinds=list(self.type),
            tags=self.tags(),
            circle_id=self.circle,
            since=datetime.combine(self.since, time(), UTC) if self.since else None,
            until=datetime.combine(self.to + timedelta(days=1), time(), UTC) if self.to else None,
            question=self.question,
            limit=self.limit,
            offset=self.offset,
        )


def url_of(item: SearchItem) -> str:
    """Where a found item is shown."""
    match item.kind:
        case ItemKind.DOCUMENT:
            return f"/knowledge/documents/{item.ref_id}"
        case ItemKind.PAGE:
            return f"/knowledge/pages/{item.ref_id}"
        case ItemKind.POST | ItemKind.NEWS | ItemKind.BLOG:
            return f"/posts/{item.ref_id}"
        case ItemKind.MESSAGE:
            return f"/circles/{item.circle_id}#chat"
        case ItemKind.PERSON:
            return f"/people/{item.ref_id}"
        case ItemKind.CIRCLE:
            return f"/circles/{item.ref_id}"
        case ItemKind.ATTACHMENT:  # leads on to the post, comment or message it is on
            return f"/attachments/{item.ref_id}"
    raise AssertionError(item.kind)
