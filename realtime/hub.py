"""The per-process hub: one broker subscription per topic, fan-out to local sockets.

Guarantees to each socket, per topic it follows:
- events arrive in `seq` order, each once, without gaps: the hub processes a topic's events in
  order; when the broker skips some (pub/sub is at-most-once), it fetches the missing ones from
  the event log before going on; a periodic check of the topics' heads, and one after every
  broker reconnect, catches events whose publish never happened at all;
- a subscribe with `since` gets `subscribed`, then every missed event, then live ones, with
  nothing missed or doubled between replay and live (events that arrive during the replay are
  held and sent after it, deduplicated by `seq`); or `recovered: false` and no event, when the
  missed events are no longer all in the log's history window;
- a replay of any length within that window is paced: read from the log a page at a time and
  queued as the socket drains, never filling more than half its send queue, so a client that
  was closed as too slow (about a queue's worth behind) can resume losslessly. A socket that
  falls further behind meanwhile (more live events held than its queue takes) is closed as too
  slow like any other; the memory a replay holds is one page and at most a queue of held events;
- recipients are decided here from membership at the event, followed per socket through the
  topic's own `member.joined` and `member.left` events (what each kind does to routing is
  declared by its class in `services.event_types`; nothing here names a kind): a `member.left` of a closed or secret
  circle unsubscribes that member's sockets after it, a circle turning closed or secret
  unsubscribes its outside followers before it (they never see its new name), and
  `session.ended` closes the sockets of the session (logout), the token (revoked) or the user
  (password change, deactivation);
- a replay is routed by the same rules from the membership at its cursor: it is exactly what the
  socket would have received live, so a resume from before a removal ends with that removal.
The fan-out never awaits a socket: frames go into each connection's bounded queue. Only a
socket's own subscribe, in its read loop, waits for that socket's queue to drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import SessionMaker
from realtime.broker import Broker
from realtime.connection import Connection
from realtime.fragments import FragmentRenderer, LocalisedFrames
from realtime.metrics import Metrics
from realtime.presence import HeldPresence, MemoryPresence, PresenceStore, best
from realtime.protocol import (
    CloseCode,
    ErrorCode,
    Incoming,
    Subscribe,
    ephemeral_frame,
    error_frame,
    event_frame,
    parse_broker_frame,
    subscribed_frame,
    unsubscribed_frame,
)
from services import event_types, events, topics
from services.errors import NotFound, PermissionDenied

log = logging.getLogger("kring.realtime.hub")


def channel_name(prefix: str, topic: str) -> str:
    """The broker channel of a topic; the prefix keeps installations sharing a Redis apart."""
    return f"{prefix}:t:{topic}"


@dataclass
class HubConfig:
    channel_prefix: str = "kring"
    sync_interval: float = 2.0
    presence_interval: float = 5.0
    presence_ttl: float = 30.0
    history_seconds: int = 86_400
    history_events: int = 5_000
    prune_interval: float = 300.0


REPLAY_PAGE_MIN = 100  # events a replay reads from the log at a time, at least
PRESENCE_MIN_SPACING = 0.25  # seconds between two rounds of presence reading
PRESENCE_SOCKETS_PER_SECOND = 10_000  # and one more second per this many sockets
PRESENCE_HOLD = 2.0  # seconds a colleague's shown state stays before it may change again


def _closes(incoming: Incoming) -> bool:
    """A circle turning closed or secret: its outside followers lose it."""
    # Not "is False": an event that does not say (unreadable data) closes, as the safe side.
    return incoming.event_type.CHANGES_VISIBILITY and incoming.event.open_after() is not True


def _opens(incoming: Incoming) -> bool:
    """A circle turning open: colleagues outside it may follow it again."""
    return incoming.event_type.CHANGES_VISIBILITY and incoming.event.open_after() is True


# Told each event's kind, in seq order; None when the topic's log went back or lost events.
Listener = Callable[[str | None], None]


@dataclass
class _Sub:
    cursor: int | None = None  # the last seq sent; None while the subscribe replays
    held: list[Incoming] = field(default_factory=list)
    member: bool = True  # of the topic's circle; False for outsiders following an open circle
    archived: bool = False  # the circle is read-only (as of the last event routed to the socket)


@dataclass
class _Replay:
    """How far a subscribe's replay has come on its socket."""

    cursor: int  # the last seq handled
    dropped: str | None = None  # why the socket stops following the topic on the way (None: it follows on)


@dataclass
class _Topic:
    name: str
    subs: dict[Connection, _Sub] = field(default_factory=dict)
    watchers: set[Connection] = field(default_factory=set)  # user topics: sockets to control
    listeners: list[Listener] = field(default_factory=list)  # this worker's own (`Hub.listen`)
    last: int | None = None  # the highest seq processed in order
    pending: dict[int, Incoming] = field(default_factory=dict)
    busy: bool = True  # initialising or filling a gap: events wait in pending
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Hub:
    def __init__(
        self,
        broker: Broker,
        db: SessionMaker,
        config: HubConfig,
        metrics: Metrics,
        presence: PresenceStore | None = None,
    ) -> None:
        self.broker = broker
        self.presence = presence or MemoryPresence()
        self.worker_id = secrets.token_hex(6)
        self._online: dict[int, str] = {}  # everyone's presence, as last read
        # Accounts shown online whether or not a socket is open: the assistant, which is always there.
        self.always_online: set[int] = set()
        self._closing = False
        self._presence_now = asyncio.Event()
        self.db = db
        self.config = config
        self.metrics = metrics
        self.connections: set[Connection] = set()
        self._frames = LocalisedFrames()
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        self._topics: dict[str, _Topic] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sync_now = asyncio.Event()
        self._announcing = False
        self._announce_again = False
        self._held = HeldPresence(PRESENCE_HOLD)
        self._announced: dict[int, str] = {}  # the picture last written for the others
        self._hold_ends: asyncio.TimerHandle | None = None
        # The log's incarnation changes only when its tables are reset, and a reset under a
        # running worker already breaks the heads it keeps per topic: read it once.
        self._epoch: str | None = None
        # Counted when /metrics is read, not at every subscribe: with thousands of topics a
        # count per subscribe made a connect storm quadratic.
        for kind in ("org", "circle", "user"):
            self.metrics.subscriptions.labels(kind=kind).set_function(functools.partial(self._subscriptions_of, kind))

    def render_items_with(self, renderer: FragmentRenderer) -> None:
        """Events that show an item carry its HTML in each socket's language (realtime.fragments)."""
        self._frames.renderer = renderer

    def _text(self, connection: Connection, incoming: Incoming) -> str:
        texts = self._frames.texts(incoming)
        return texts.get(connection.locale, incoming.text) if texts else incoming.text

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self.broker.start(self._on_message, self._sync_now.set)
        await self.broker.subscribe(self._presence_channel)
        self._spawn(self._sync_forever())
        self._spawn(self._prune_forever())
        self._spawn(self._presence_forever())

    @property
    def _presence_channel(self) -> str:
        return f"{self.config.channel_prefix}:presence"

    async def close(self) -> None:
        self._closing = True  # from here no presence write but the last one below
        if self._hold_ends is not None:
            self._hold_ends.cancel()
        for connection in list(self.connections):
            connection.close(CloseCode.RESTART)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a client library that swallows a cancellation must not hold up shutdown.
            await asyncio.wait(tasks, timeout=3)
        with contextlib.suppress(Exception):  # a clean stop takes its users offline at once
            await self.presence.write(self.worker_id, {}, self.config.presence_ttl)
            await self.broker.publish(self._presence_channel, b"changed")
        await self.broker.close()

    @property
    def topic_count(self) -> int:
        return len(self._topics)

    def channel(self, topic: str) -> str:
        return channel_name(self.config.channel_prefix, topic)

    # -- sockets -----------------------------------------------------------------------------

    async def attach(self, connection: Connection) -> None:
        """Register a socket; its user's topic is watched so the session can be ended."""
        self.connections.add(connection)
        self._by_user[connection.user_id].add(connection)
        self.metrics.connections.set(len(self.connections))
        state = await self._ensure(events.user_topic(connection.user_id))
        state.watchers.add(connection)
        self.presence_changed()

    def sockets_of(self, user_id: int) -> int:
        """How many sockets the user has open on this worker."""
        return len(self._by_user.get(user_id, ()))

    async def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        self._by_user[connection.user_id].discard(connection)
        if not self._by_user[connection.user_id]:
            del self._by_user[connection.user_id]
        self.metrics.connections.set(len(self.connections))
        for name in [*connection.topics, events.user_topic(connection.user_id)]:
            state = self._topics.get(name)
            if state is not None:
                state.subs.pop(connection, None)
                state.watchers.discard(connection)
                await self._release(state)
        connection.topics.clear()
        self.presence_changed()

    async def subscribe(self, connection: Connection, command: Subscribe) -> None:
        name = command.topic
        try:
            # What needs no database is refused before any set-up; the rest below, in the one
            # database session of the subscription (two per topic were most of a connect's cost).
            topics.precheck(connection.viewer.user, name)
        except (NotFound, PermissionDenied) as refused:
            connection.send(_refusal_frame(refused, name))
            return
        if name in connection.topics:
            await self.unsubscribe(connection, name)
        state = await self._ensure(name)
        sub = _Sub()
        state.subs[connection] = sub
        connection.topics.add(name)
        try:
            async with self.db() as db:
                epoch = self._epoch = self._epoch or await events.epoch(db)
                replay: list[events.CommittedEvent] = []
                turns: list[events.CommittedEvent] = []  # access changes after the first page
                recovered: bool | None = None
                if command.since is None:
                    head = await events.head(db, name)
                elif command.epoch is not None and command.epoch != epoch:
                    head, recovered = await events.head(db, name), False
                else:
                    result = await events.list_since(
                        db, name, command.since, limit=self.config.history_events, first=self._page(connection)
                    )
                    head, recovered, replay = result.head, result.recovered, result.events
                    if recovered and replay and replay[-1].seq < head:
                        # The rest comes page by page; whether the socket may have it is known now.
                        turns = await events.of_kinds_between(db, name, replay[-1].seq, head, event_types.ACCESS_KINDS)
                # Checked again after the head is read, now that events are held for this
                # socket: a removal or a change of visibility committed before this check is
                # refused here, one committed after it is among the held events. (Read before
                # the head, a removal committed in between was behind the head and never seen.)
                access = await topics.access(db, connection.viewer.user, name)
                # Each replayed event becomes its frame once, here, for every check and the send.
                ahead = self._incomings([*replay, *turns])
                if recovered and ahead and command.since is not None:
                    member = self._member_before(connection, ahead, now=access.member)
                    was_open = await self._was_open(db, name, command.since, ahead, now=access.open)
                    if not member and not was_open:
                        # An outsider is owed nothing of a closed time.
                        recovered, replay, ahead = False, [], []
        except (NotFound, PermissionDenied) as refused:
            await self._unregister(connection, state)
            connection.send(_refusal_frame(refused, name))
            return
        except BaseException:
            await self._unregister(connection, state)
            raise
        if state.subs.get(connection) is not sub:  # unsubscribed or closed meanwhile
            return
        if recovered and command.since is not None and self._withholds(connection, access.member, ahead):
            # The replay would leave out what the socket was not entitled to while outside the
            # circle, then go on: the client could never rebuild the state from it.
            recovered, replay, ahead = False, [], []
        connection.send(subscribed_frame(name, epoch=epoch, seq=head, recovered=recovered))
        progress = _Replay(command.since if recovered and command.since is not None else head)
        # The replay and the held events are routed exactly as they would have been live, from
        # the membership at the cursor: the first change of the socket's own membership among
        # them tells what it was before (else it is what the check just found).
        later = [
            incoming for incoming in ahead + sub.held if incoming.seq is not None and incoming.seq > progress.cursor
        ]
        sub.member = self._member_before(connection, later, now=access.member)
        # As the check found it; the replayed and held `circle.updated` then set it in order.
        sub.archived = access.standing is not None and access.standing.archived
        if not await self._replay(connection, state, sub, progress, ahead[: len(replay)], head):
            return  # the socket was closed or unsubscribed meanwhile; its close says what to do
        if progress.dropped is not None:
            self._drop(connection, state, progress.dropped)  # and nothing after it, as live

    async def _was_open(self, db: AsyncSession, name: str, since: int, replay: list[Incoming], *, now: bool) -> bool:
        """Whether the circle was open at `since`: as its last `circle.updated` up to then left
        it; without one, as it is `now` unless one came after (then it is unknown: no)."""
        last = await events.last_of_kinds(db, name, event_types.VISIBILITY_KINDS, at_most=since)
        if last is not None:
            return last.typed().open_after() is True
        return now and not any(e.event_type.CHANGES_VISIBILITY for e in replay)

    def _incomings(self, replay: list[events.CommittedEvent]) -> list[Incoming]:
        return [self._incoming(e) for e in replay]

    def _member_before(self, connection: Connection, later: list[Incoming], *, now: bool) -> bool:
        for incoming in later:
            if self._is_me_joining(connection, incoming):
                return False
            if self._is_me_leaving(connection, incoming):
                return True
        return now

    def _route(self, connection: Connection, sub: _Sub, incoming: Incoming) -> tuple[bool, bool, str | None]:
        """For one socket: whether it gets `incoming`, whether it is a member of the circle
        after it, and why it stops following the topic after it (None: it follows on). A
        member removed from a closed or secret circle gets the `member.left` about them, then
        `unsubscribed`; an outsider following an open circle that closes gets only
        `unsubscribed`, not the event with the circle's new name and description. (It also
        keeps `sub.archived` as the events routed in order say.)"""
        archived = incoming.event.archived_after()
        if archived is not None:
            sub.archived = archived
        if self._is_me_joining(connection, incoming):
            return True, True, None
        if self._is_me_leaving(connection, incoming):
            return True, False, None if incoming.event.open_after() else "removed"
        if not sub.member and _closes(incoming):
            return False, False, "forbidden"
        if not sub.member and incoming.event_type.MEMBERS_ONLY:
            return False, False, None
        return True, sub.member, None

    def _loses_access(self, connection: Connection, incoming: Incoming) -> bool:
        return self._is_me_leaving(connection, incoming) and not incoming.event.open_after()

    def _withholds(self, connection: Connection, member: bool, replayed: list[Incoming]) -> bool:
        """Whether a replay loses the socket access and then gives it back: the socket's user was
        removed from the circle and added again, or, following an open circle from outside, saw
        it closed and opened again. A replay is routed as live delivery would be, and live
        delivery ends at the loss (`_route`), so the replay cannot go on to the events after the
        return; and the events between are not theirs to see. The client must reload instead. (A
        replay that ends outside is complete: the client learns it lost the circle.) `replayed`
        may hold only the events that change access after some point (`turns`)."""
        outside = False
        for incoming in replayed:
            if self._loses_access(connection, incoming):
                outside = True
            elif self._is_me_joining(connection, incoming) or (not member and _opens(incoming)):
                if outside:
                    return True
            elif not member and _closes(incoming):
                outside = True
        return False

    @staticmethod
    def _chunk(connection: Connection) -> int:
        """How many replayed events go into the socket's queue at a time."""
        return max(1, connection.queue_size // 4)

    @classmethod
    def _page(cls, connection: Connection) -> int:
        """How many events a replay reads from the log at a time: a few chunks, and never so few
        that a small queue makes the replay wait on the database rather than on the socket."""
        return max(REPLAY_PAGE_MIN, cls._chunk(connection))

    async def _replay(
        self,
        connection: Connection,
        state: _Topic,
        sub: _Sub,
        progress: _Replay,
        first: list[Incoming],
        head: int,
    ) -> bool:
        """Queue the missed events up to `head`, then the live ones held meanwhile, a chunk at a
        time as the socket drains; then hand the socket to the live fan-out. False when the
        socket went away or lost the subscription on the way."""
        page, after = first, progress.cursor
        chunk = self._chunk(connection)
        while True:
            for start in range(0, len(page), chunk):
                part = page[start : start + chunk]
                if not await self._room_for(connection, state, sub, len(part)):
                    return False
                for incoming in part:
                    self._send_replayed(connection, state, sub, progress, incoming)
                if progress.dropped is not None:
                    return True  # nothing after the drop, as live
            self.metrics.replayed.inc(len(page))
            after = page[-1].seq or after if page else after
            if after >= head:
                break
            upto = min(head, after + self._page(connection))
            try:
                async with self.db() as db:
                    page = self._incomings(await events.events_between(db, state.name, after, upto))
            except Exception:
                log.exception("a replay of %s failed half-way; the socket resumes elsewhere", state.name)
                connection.close(CloseCode.FAILED)
                return False
            if [event.seq for event in page] != list(range(after + 1, upto + 1)):
                # Pruned while the replay went on: it began at the edge of the history window.
                connection.close(CloseCode.RESYNC)
                return False
        while True:
            if not await self._room_for(connection, state, sub, chunk):
                return False
            if len(sub.held) <= chunk:
                break
            held = sub.held[:chunk]
            del sub.held[:chunk]
            for incoming in held:
                self._send_replayed(connection, state, sub, progress, incoming)
        # From here to the end nothing awaits, so no event slips between replay and live.
        for incoming in sub.held:
            self._send_replayed(connection, state, sub, progress, incoming)
        sub.held = []
        sub.cursor = max(progress.cursor, head)
        return True

    async def _room_for(self, connection: Connection, state: _Topic, sub: _Sub, frames: int) -> bool:
        """Wait until `frames` more fit in the half of the socket's queue a replay may fill (the
        other half stays for its other topics); False when the socket or subscription is gone."""
        await connection.drained(max(0, connection.queue_size // 2 - frames))
        return not connection.closed and state.subs.get(connection) is sub

    def _send_replayed(
        self, connection: Connection, state: _Topic, sub: _Sub, progress: _Replay, incoming: Incoming
    ) -> None:
        """One replayed or held event, routed by the rules the live fan-out applies
        (`_route`), from the membership at the replay's cursor."""
        if incoming.seq is None or incoming.seq <= progress.cursor or progress.dropped is not None:
            return
        progress.cursor = incoming.seq
        send, sub.member, progress.dropped = self._route(connection, sub, incoming)
        if send:
            connection.send(self._text(connection, incoming))

    async def _unregister(self, connection: Connection, state: _Topic) -> None:
        state.subs.pop(connection, None)
        connection.topics.discard(state.name)
        await self._release(state)

    def may_write(self, connection: Connection, topic: str) -> bool:
        """Whether the socket's colleague may act in the circle of `topic` now: they must be a
        member of a circle that is not archived (`services.access.Standing.can_write`), which the
        subscription tracks live as `member.joined`, `member.left` and `circle.updated` arrive,
        so a follower of an open circle may not."""
        state = self._topics.get(topic)
        sub = state.subs.get(connection) if state is not None else None
        return sub is not None and topic.startswith("circle:") and sub.member and not sub.archived

    def _is_me_joining(self, connection: Connection, incoming: Incoming) -> bool:
        return incoming.event_type.GRANTS_ACCESS and incoming.event.affected_user_id() == connection.user_id

    def _is_me_leaving(self, connection: Connection, incoming: Incoming) -> bool:
        return incoming.event_type.REVOKES_ACCESS and incoming.event.affected_user_id() == connection.user_id

    async def listen(self, topic: str, listener: Listener) -> None:
        """Follow `topic` for this worker itself, for as long as the hub runs: `listener` gets the
        kind of every event of it this worker processes, in `seq` order and gap-free as a socket
        does (gaps filled from the log, missed publishes found by the head sync), and None when
        the topic's log went back or its missing events were pruned (anything may have changed).
        A cache that an event invalidates uses it; it must only mark, never block."""
        state = await self._ensure(topic)
        state.listeners.append(listener)

    async def unsubscribe(self, connection: Connection, name: str) -> None:
        state = self._topics.get(name)
        connection.topics.discard(name)
        if state is not None:
            await self._unregister(connection, state)

    async def publish_ephemeral(self, topic: str, frame: str) -> None:
        """Best effort, never stored: a typing indicator lost is not worth a retry."""
        with contextlib.suppress(Exception):
            await self.broker.publish(self.channel(topic), frame.encode())

    # -- topics ------------------------------------------------------------------------------

    async def _ensure(self, name: str) -> _Topic:
        state = self._topics.get(name)
        if state is not None:
            await state.ready.wait()
            if self._topics.get(name) is state:
                return state
            return await self._ensure(name)
        state = _Topic(name)
        self._topics[name] = state
        try:
            await self.broker.subscribe(self.channel(name))
            async with self.db() as db:
                state.last = await events.head(db, name)
        except BaseException:
            del self._topics[name]
            state.ready.set()
            with contextlib.suppress(Exception):
                await self.broker.unsubscribe(self.channel(name))
            raise
        state.busy = False
        state.ready.set()
        for seq in [s for s in state.pending if s <= state.last]:
            del state.pending[seq]
        self._advance(state)
        return state

    async def _release(self, state: _Topic) -> None:
        if state.subs or state.watchers or state.listeners or not state.ready.is_set():
            return
        if self._topics.get(state.name) is state:
            del self._topics[state.name]
            await self.broker.unsubscribe(self.channel(state.name))

    def _on_message(self, channel: str, payload: bytes) -> None:
        if channel == self._presence_channel:
            self._presence_now.set()
            return
        incoming = parse_broker_frame(payload)
        if incoming is None:
            log.warning("ignored a malformed frame on %s", channel)
            return
        state = self._topics.get(incoming.topic)
        if state is None:
            return
        if incoming.seq is None:
            for connection, sub in state.subs.items():
                if sub.cursor is not None:
                    connection.send(incoming.text, durable=False)
            return
        if state.last is not None and incoming.seq <= state.last:
            return
        state.pending[incoming.seq] = incoming
        self._advance(state)

    def _advance(self, state: _Topic) -> None:
        """Deliver the pending events that continue the sequence; fetch what is missing."""
        if state.busy or state.last is None:
            return
        while state.last + 1 in state.pending:
            incoming = state.pending.pop(state.last + 1)
            state.last += 1
            self._deliver(state, incoming)
            if state.busy:
                return
        if state.pending:
            state.busy = True
            self._spawn(self._fill(state, max(state.pending)))

    async def _fill(self, state: _Topic, upto: int) -> None:
        assert state.last is not None
        fetched = False
        try:
            async with self.db() as db:
                for event in await events.events_between(db, state.name, state.last, upto):
                    state.pending.setdefault(event.seq, self._incoming(event))
            fetched = True
            self.metrics.gap_fills.inc()
        except Exception:
            log.exception("could not fill a gap in %s; the next sync retries", state.name)
        finally:
            state.busy = False
        if not fetched:
            return  # no tight retry loop while the database is away: _sync_forever retries
        if state.pending and state.last + 1 not in state.pending:
            self._resync(state, upto)
        self._advance(state)

    def _resync(self, state: _Topic, upto: int) -> None:
        """The missing events are gone from the log: every subscriber must reload."""
        log.warning("events of %s before %d were pruned; subscribers must reload", state.name, upto)
        for connection in [*state.subs, *state.watchers]:  # a lost session.ended must not linger
            connection.close(CloseCode.RESYNC)
        state.last = min(state.pending) - 1
        self._tell(state, None)

    def _deliver(self, state: _Topic, incoming: Incoming) -> None:
        assert incoming.seq is not None
        if incoming.event_type.ROUTED:
            self._deliver_routed(state, incoming)
            return
        # The hot path: the same text to every socket that follows the topic, no per-socket
        # decisions beyond its cursor. `send` only appends to a queue and never changes `subs`.
        # An item's event is one text per language (realtime.fragments), rendered once here.
        seq, text, texts = incoming.seq, incoming.text, self._frames.texts(incoming)
        sent = 0
        for connection, sub in state.subs.items():
            cursor = sub.cursor
            if cursor is None:
                self._hold(connection, sub, incoming)
            elif seq > cursor:
                sub.cursor = seq
                connection.send(texts.get(connection.locale, text) if texts else text)
                sent += 1
        self.metrics.delivered.inc(sent)
        self._apply(state, incoming)

    def _deliver_routed(self, state: _Topic, incoming: Incoming) -> None:
        """Events whose recipients depend on the socket: membership changes, members-only kinds,
        a circle closing."""
        assert incoming.seq is not None
        sent = 0
        for connection, sub in list(state.subs.items()):
            if sub.cursor is None:
                self._hold(connection, sub, incoming)
                continue
            if incoming.seq <= sub.cursor:
                continue
            sub.cursor = incoming.seq
            send, sub.member, dropped = self._route(connection, sub, incoming)
            if send:
                connection.send(self._text(connection, incoming))
                sent += 1
            if dropped is not None:
                self._drop(connection, state, dropped)
        self.metrics.delivered.inc(sent)
        self._apply(state, incoming)

    def _hold(self, connection: Connection, sub: _Sub, incoming: Incoming) -> None:
        """Keep a live event for a socket that is subscribing; held events count as its queue."""
        if connection.closed:
            return  # detached soon; nothing more will be sent
        sub.held.append(incoming)
        if len(sub.held) > connection.queue_size:
            sub.held.clear()
            connection.too_slow()

    def _drop(self, connection: Connection, state: _Topic, reason: str) -> None:
        state.subs.pop(connection, None)
        connection.topics.discard(state.name)
        connection.send(unsubscribed_frame(state.name, reason))

    def _tell(self, state: _Topic, kind: str | None) -> None:
        for listener in state.listeners:
            try:
                listener(kind)
            except Exception:
                log.exception("a listener of %s failed", state.name)

    def _apply(self, state: _Topic, incoming: Incoming) -> None:
        """What an event changes about who receives the topic from now on, and this worker's
        listeners."""
        if state.listeners:
            self._tell(state, incoming.kind)
        if incoming.event_type.ENDS_SESSION:
            for connection in list(state.watchers):
                if incoming.event.ends_session(connection.viewer.session_id, connection.viewer.token_id):
                    connection.close(CloseCode.SESSION_ENDED)

    def _incoming(self, event: events.CommittedEvent) -> Incoming:
        text = event_frame(event.topic, event.seq, event.kind, event.data, event.at)
        return Incoming(event.topic, event.seq, event.kind, event.data, text)

    # -- background --------------------------------------------------------------------------

    async def _sync_forever(self) -> None:
        """Catch events that never came through the broker: compare heads with the log."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sync_now.wait(), timeout=self.config.sync_interval)
            self._sync_now.clear()
            known = {name: s for name, s in self._topics.items() if s.last is not None and s.ready.is_set()}
            if not known:
                continue
            # Where each topic stood before the read: live events may move it on meanwhile.
            seen_before = {name: s.last or 0 for name, s in known.items()}
            try:
                async with self.db() as db:
                    heads = await events.heads(db, list(known))
            except Exception:
                log.exception("head sync failed")
                continue
            for name, head in heads.items():
                state = known[name]
                if state.last is None or state.busy:
                    continue
                if head < seen_before[name]:
                    self._reset(state, head)
                elif head > state.last:
                    state.busy = True
                    self._spawn(self._fill(state, head))

    def _reset(self, state: _Topic, head: int) -> None:
        """The log went back (reset or restored): start the topic over; everyone reloads."""
        log.warning("the log of %s went back from %d to %d; subscribers must reload", state.name, state.last, head)
        for connection in [*state.subs, *state.watchers]:
            connection.close(CloseCode.RESYNC)
        state.last = head
        state.pending.clear()
        self._tell(state, None)

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.prune_interval)
            try:
                async with self.db() as db:
                    removed = await events.prune(
                        db, keep_seconds=self.config.history_seconds, keep_per_topic=self.config.history_events
                    )
                if removed:
                    log.info("pruned %d old events", removed)
            except Exception:
                log.exception("pruning the event log failed")

    # -- presence ----------------------------------------------------------------------------

    def presence_changed(self) -> None:
        """A socket opened, closed or went away: write this worker's picture and tell the others.

        One announcement at a time: changes that come while one is under way are announced
        together right after it, so a thousand sockets connecting at once cost a few writes of
        the picture, not a thousand. A change the hold keeps back (`HeldPresence`) costs nothing
        now: it is announced when its hold ends."""
        if self._closing or self.local_presence() == self._announced:
            return
        self._presence_now.set()
        if self._announcing:
            self._announce_again = True
            return
        self._announcing = True
        self._spawn(self._announce_presence())

    async def _announce_presence(self) -> None:
        try:
            again = True
            while again and not self._closing:
                self._announce_again = False
                with contextlib.suppress(Exception):
                    await self._write_presence()
                    await self.broker.publish(self._presence_channel, b"changed")
                again = self._announce_again
        finally:
            self._announcing = False

    def local_presence(self) -> dict[int, str]:
        """This worker's picture as the others may see it now (each colleague's best state over
        their sockets here, through the hold)."""
        states: dict[int, str] = {}
        for connection in self.connections:
            states[connection.user_id] = best(connection.presence, states.get(connection.user_id, connection.presence))
        now = time.monotonic()
        picture, due = self._held.update(states, now)
        if due is not None and self._hold_ends is None and not self._closing:
            self._hold_ends = asyncio.get_running_loop().call_later(due - now, self._hold_ended)
        return picture

    def _hold_ended(self) -> None:
        self._hold_ends = None
        self.presence_changed()

    def presence_of(self, user_ids: Iterable[int]) -> dict[int, str]:
        """Each user's state as last read ("offline" when not online anywhere)."""
        return {
            user_id: "active" if user_id in self.always_online else self._online.get(user_id, "offline")
            for user_id in user_ids
        }

    async def _write_presence(self) -> None:
        picture = self.local_presence()
        await self.presence.write(self.worker_id, picture, self.config.presence_ttl)
        self._announced = picture

    async def _presence_forever(self) -> None:
        """Refresh this worker's picture, read everyone's, and tell local sockets what changed."""
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._presence_now.wait(), timeout=self.config.presence_interval)
            self._presence_now.clear()
            try:
                await self._write_presence()
                online = await self.presence.read()
                online.update(dict.fromkeys(self.always_online, "active"))
            except Exception:
                log.exception("presence could not be read or written")
                continue
            changed = {
                str(user_id): online.get(user_id, "offline")
                for user_id in set(online) | set(self._online)
                if online.get(user_id, "offline") != self._online.get(user_id, "offline")
            }
            if changed:
                # One frame per round with every change: a frame per colleague coming online
                # would cost n sockets × n colleagues frames when everyone connects at once.
                frame = ephemeral_frame("presence", "presence", {"states": changed})
                for connection in self.connections:
                    connection.send(frame, durable=False)
            self._online = online
            # Each round writes and reads every worker's whole picture and sends a frame to every
            # socket: during a connect storm, when every new socket asks for one, take them a
            # few per second at most, and fewer the more sockets there are.
            await asyncio.sleep(PRESENCE_MIN_SPACING + len(self.connections) / PRESENCE_SOCKETS_PER_SECOND)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _subscriptions_of(self, kind: str) -> float:
        return float(sum(len(state.subs) for name, state in self._topics.items() if name.split(":", 1)[0] == kind))


def _refusal_frame(refused: NotFound | PermissionDenied, topic: str) -> str:
    code = ErrorCode.UNKNOWN_TOPIC if isinstance(refused, NotFound) else ErrorCode.FORBIDDEN
    return error_frame(code, refused.message, topic=topic)
