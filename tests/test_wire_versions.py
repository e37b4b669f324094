"""Version decisions: updates in place, late older versions, duplicates, corrections, kills,
withholds and embargoes, and the same final state for every order and batching."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.outcomes import ItemOutcome
from pipeline.wire import WireItem, parse_items
from pipeline.wire.versions import Action, apply_batch, decide, fold

SEQ = Path(__file__).parent / "data" / "wire" / "sequence"
A = "urn:newsml:afp.com:20261207:TX-PAR-ABC12"
B = "urn:newsml:afp.com:20261207:TX-PAR-EMB01"
C = "tag:reuters.com,2026:newsml_L8N3C0001"


def _delivery() -> list[WireItem]:
    """Every item of the fixture sequence, as parsed (includes the duplicate v3 of A)."""
    items = []
    for path in sorted(SEQ.iterdir()):
        items += [r.item for r in parse_items(path.read_bytes(), source=path.name)]
    return items


def _t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=UTC)


def _item(version: int, hour: int, *, status: str = "usable", body: str | None = None, **kw):
    return WireItem(
        uri="urn:x:1",
        version=version,
        format="ninjs",
        format_version="2.2",
        item_type="text",
        pubstatus=status,
        versioncreated=_t(hour),
        headline=f"v{version}",
        body_text=body if body is not None else f"text of v{version}",
        **kw,
    )


def test_fixture_sequence_in_delivery_order() -> None:
    states: dict = {}
    outcomes = []
    for item in _delivery():  # file-name order: a_v1, a_v2, a_v3, a_v4_kill, c..., message
        outcomes.append((item.uri, item.version, decide(states.get(item.uri), item).outcome))
        states[item.uri] = decide(states.get(item.uri), item).state
    assert outcomes == [
        (A, 1, ItemOutcome.OK),
        (A, 2, ItemOutcome.UPDATED),
        (A, 3, ItemOutcome.UPDATED),
        (A, 4, ItemOutcome.KILLED),
        (C, 1, ItemOutcome.OK),
        (C, 2, ItemOutcome.KILLED),
        (C, 3, ItemOutcome.UPDATED),
        (A, 3, ItemOutcome.DUPLICATE_VERSION),
        (B, 1, ItemOutcome.OK),
    ]
    a, b, c = states[A], states[B], states[C]
    assert a.current.version == 3 and a.withdrawn_at == _t(11) and a.is_correction
    assert len(a.seen) == 4
    assert b.embargoed_until == datetime(2026, 12, 8, 6, 0, tzinfo=UTC) and b.withdrawn_at is None
    assert c.current.version == 3 and c.withdrawn_at is None and not c.is_correction


@pytest.mark.parametrize("seed", range(40))
def test_any_order_and_batching_gives_the_same_final_state(seed: int) -> None:
    rng = random.Random(seed)
    items = _delivery()
    reference: dict = {}
    apply_batch(reference, items)
    shuffled = items[:]
    rng.shuffle(shuffled)
    states: dict = {}
    i = 0
    while i < len(shuffled):  # random batch sizes; inside a batch, random order too
        size = rng.randint(1, 4)
        batch = shuffled[i : i + size]
        if rng.random() < 0.5:
            apply_batch(states, batch)
        else:
            for item in batch:
                states[item.uri] = decide(states.get(item.uri), item).state
        i += size
    assert states == reference


def test_older_version_arriving_late_changes_nothing() -> None:
    state = fold([_item(1, 8), _item(3, 10)])
    late = decide(state, _item(2, 9))
    assert late.action is Action.RECORD_OLDER and late.outcome is ItemOutcome.OLDER_VERSION
    assert late.record_version and not late.write_content
    assert late.state.current == state.current and len(late.state.seen) == 3


def test_duplicate_delivery_records_nothing() -> None:
    state = fold([_item(1, 8)])
    again = decide(state, _item(1, 8))
    assert again.action is Action.DUPLICATE and not again.record_version
    assert again.state is state


def test_same_version_resent_with_changed_text_is_ordered_deterministically() -> None:
    x, y = _item(2, 9, body="first text"), _item(2, 9, body="fixed text")
    assert fold([x, y]) == fold([y, x])
    assert decide(fold([x]), y).action in (Action.UPDATE, Action.RECORD_OLDER)


def test_cancel_is_final_even_against_later_versions() -> None:
    kill = _item(2, 9, status="canceled", body="")
    for order in ([_item(1, 8), kill, _item(3, 10)], [_item(3, 10), _item(1, 8), kill]):
        state = fold(order)
        assert state.withdrawn_at == _t(9) and state.current.version == 3


def test_kill_before_any_text_creates_a_withdrawn_row() -> None:
    first = decide(None, _item(2, 9, status="canceled", body=""))
    assert first.action is Action.KILL and first.state.current is None
    assert first.state.withdrawn_at == _t(9) and not first.write_content
    late = decide(first.state, _item(1, 8))
    assert late.action is Action.UPDATE and late.write_content  # text kept, still withdrawn
    assert late.state.withdrawn_at == _t(9)


def test_withhold_applies_only_while_latest() -> None:
    held = fold([_item(1, 8), _item(2, 9, status="withheld")])
    assert held.withdrawn_at == _t(9)
    released = decide(held, _item(3, 10))
    assert released.state.withdrawn_at is None and released.visibility_changed
    stale = decide(fold([_item(1, 8), _item(3, 10)]), _item(2, 9, status="withheld"))
    assert stale.action is Action.RECORD_OLDER and stale.state.withdrawn_at is None


def test_embargo_follows_the_current_version_and_kill_time_fallback() -> None:
    embargoed = fold([_item(1, 8, embargoed_until=_t(12))])
    assert embargoed.embargoed_until == _t(12)
    lifted = decide(embargoed, _item(2, 9))
    assert lifted.state.embargoed_until is None and lifted.visibility_changed
    undated = dataclasses.replace(_item(2, 9, status="canceled"), versioncreated=None)
    got = decide(embargoed, undated, received_at=_t(13))
    assert got.state.withdrawn_at == _t(13)


def test_correction_flag_is_sticky() -> None:
    state = fold([_item(2, 9, is_correction=True), _item(3, 10)])
    assert state.is_correction


def test_state_of_another_uri_is_refused() -> None:
    state = fold([_item(1, 8)])
    other = dataclasses.replace(_item(2, 9), uri="urn:x:2")
    with pytest.raises(ValueError, match="urn:x:2"):
        decide(state, other)
