"""What to do with an incoming version of a wire item, given what is stored for its URI.

Pure decision logic, no I/O: the loader reads the stored :class:`ItemState` of the item's URI,
calls :func:`decide`, writes what the :class:`Decision` says and stores ``decision.state``.

Why the rules are shaped this way: agencies re-send items, deliver versions out of order
(an HTTP poll and a drop folder race; an FTP retry lands late) and kill items after publication.
The final state must depend only on *which* versions arrived, never on their order or batching,
or two runs of the same day could publish different text. So every field of the state is a
commutative fold over the set of versions: a maximum, a minimum, a set union or an OR.

Loader rules (the integrator's ``storage/load.py``), one row per item URI in ``articles``:

1. Order key of a version: ``(version, versioncreated, content digest)``. The digest breaks the
   tie when an agency re-sends a changed item under the same version number, so the order is
   total and the result never depends on arrival order.
2. ``duplicate_version``: a key already in ``state.seen`` (a re-delivery, a re-read after a
   crash): nothing is written. ``article_versions`` is keyed by ``(article_id, item_version,
   versioncreated, digest)`` and merged idempotently, so a re-read is harmless anyway.
3. Every other version is recorded: one ``article_versions`` row (item_version, versioncreated,
   title, body, is_correction, received_at).
4. ``insert``: the first version of a URI creates the article (``item_uri``, ``item_version``,
   ``versioncreated``, body, title, places tagged, story assigned by today's rule).
5. ``update``: a non-kill version later than ``state.current`` replaces body, title, byline,
   subjects, ``item_version``, ``versioncreated``, ``embargoed_until`` in place and re-tags
   places; never a second article or story (``write_content``).
6. ``older_version``: a non-kill version earlier than ``state.current`` is recorded (rule 3)
   and changes nothing else.
7. ``kill``: ``pubstatus: canceled`` is final: ``withdrawn_at`` is set (the earliest cancel's
   ``versioncreated``) and no later version lifts it. ``withheld`` is temporary: it withdraws
   the article only while the withheld version is the latest version of any kind; a later
   usable version releases it. A kill never replaces the stored text (the text stays in the
   database for the record; publishing drops it). A kill that arrives before any text version
   creates the article row with metadata only, already withdrawn.
8. ``articles.is_correction`` is true once any version was a correction; each
   ``article_versions`` row carries its own flag.
9. ``articles.embargoed_until`` is the current version's embargo (a later version without one
   lifts it). Marts and the snapshot exclude the article while ``embargoed_until > now`` and
   whenever ``withdrawn_at`` is set; incremental marts rebuild the days of every article whose
   ``withdrawn_at`` or ``embargoed_until`` changed in the run (``Decision.visibility_changed``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pipeline.outcomes import ItemOutcome
from pipeline.wire.items import WireItem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Action(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    RECORD_OLDER = "record_older"
    DUPLICATE = "duplicate"
    KILL = "kill"


OUTCOME_OF = {
    Action.INSERT: ItemOutcome.OK,
    Action.UPDATE: ItemOutcome.UPDATED,
    Action.RECORD_OLDER: ItemOutcome.OLDER_VERSION,
    Action.DUPLICATE: ItemOutcome.DUPLICATE_VERSION,
    Action.KILL: ItemOutcome.KILLED,
}


@dataclass(frozen=True, slots=True, order=True)
class VersionKey:
    """The total order of the versions of one URI (see rule 1)."""

    version: int
    versioncreated: datetime
    digest: str

    @classmethod
    def of(cls, item: WireItem) -> VersionKey:
        return cls(item.version, item.versioncreated or _EPOCH, item.content_digest())


@dataclass(frozen=True, slots=True)
class ItemState:
    """What is stored for one item URI (``articles`` row plus its ``article_versions`` keys)."""

    uri: str
    current: VersionKey | None  # the version whose text the article carries; None: kills only
    latest: VersionKey  # the latest version of any kind
    latest_withheld_at: datetime | None  # set while the latest version is a withhold
    canceled_at: datetime | None  # earliest cancel: final
    embargoed_until: datetime | None  # the current version's embargo
    is_correction: bool
    seen: frozenset[VersionKey]

    @property
    def withdrawn_at(self) -> datetime | None:
        return self.canceled_at or self.latest_withheld_at


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    state: ItemState
    write_content: bool  # replace the article's text/metadata with this item's, re-tag places
    record_version: bool  # add an article_versions row
    visibility_changed: bool  # withdrawn_at or embargoed_until changed: rebuild those days

    @property
    def outcome(self) -> ItemOutcome:
        return OUTCOME_OF[self.action]


def _kill_time(item: WireItem, received_at: datetime | None) -> datetime:
    return item.versioncreated or item.firstcreated or received_at or _EPOCH


def _min(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def decide(
    state: ItemState | None, item: WireItem, *, received_at: datetime | None = None
) -> Decision:
    """The action for ``item`` given the stored ``state`` of its URI (None: never seen).

    ``received_at`` only dates a kill that carries no timestamp of its own."""
    if state is not None and state.uri != item.uri:
        raise ValueError(f"state of {state.uri!r} given for item {item.uri!r}")
    key = VersionKey.of(item)
    if state is not None and key in state.seen:
        return Decision(Action.DUPLICATE, state, False, False, False)
    new = _fold(state, item, key, received_at)
    if item.is_kill:
        applies = item.pubstatus == "canceled" or new.latest == key
        action = Action.KILL if applies else Action.RECORD_OLDER
        if state is None:
            action = Action.KILL
        write = False
    elif state is None:
        action, write = Action.INSERT, True
    elif new.current == key:
        action, write = Action.UPDATE, True
    else:
        action, write = Action.RECORD_OLDER, False
    changed = state is None or (
        (state.withdrawn_at, state.embargoed_until) != (new.withdrawn_at, new.embargoed_until)
    )
    return Decision(action, new, write, True, changed)


def _fold(
    state: ItemState | None, item: WireItem, key: VersionKey, received_at: datetime | None
) -> ItemState:
    """The state after adding one version: each field a commutative fold (see the docstring)."""
    if state is None:
        state = ItemState(item.uri, None, key, None, None, None, False, frozenset())
    changes: dict[str, object] = {
        "seen": state.seen | {key},
        "is_correction": state.is_correction or item.is_correction,
    }
    if key > state.latest or not state.seen:
        changes["latest"] = key
        withheld = item.pubstatus == "withheld"
        changes["latest_withheld_at"] = _kill_time(item, received_at) if withheld else None
    if item.pubstatus == "canceled":
        changes["canceled_at"] = _min(state.canceled_at, _kill_time(item, received_at))
    if not item.is_kill and (state.current is None or key > state.current):
        changes["current"] = key
        changes["embargoed_until"] = item.embargoed_until
    return dataclasses.replace(state, **changes)


def fold(items: Iterable[WireItem], state: ItemState | None = None) -> ItemState | None:
    """The state after ``items`` (one URI), applied one by one in the given order."""
    for item in items:
        state = decide(state, item).state
    return state


def apply_batch(
    states: dict[str, ItemState], items: Iterable[WireItem]
) -> dict[str, list[Decision]]:
    """Decisions for one batch of items of any URIs, updating ``states`` in place.

    Within a batch the versions of a URI are applied in version order, so the common case (a
    batch holding v1..v3) writes the article once per version step instead of flip-flopping;
    the result is the same in any order (see the property test)."""
    by_uri: dict[str, list[WireItem]] = {}
    for item in items:
        by_uri.setdefault(item.uri, []).append(item)
    decisions: dict[str, list[Decision]] = {}
    for uri, group in by_uri.items():
        for item in sorted(group, key=VersionKey.of):
            decision = decide(states.get(uri), item)
            states[uri] = decision.state
            decisions.setdefault(uri, []).append(decision)
    return decisions
