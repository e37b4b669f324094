"""The incremental story index inside the real loader: merges, re-keying, the time cut, agency
inheritance, persistence, and the promise that any load order equals a rebuild from scratch."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import rows

from pipeline.storage.db import connect, migrate
from pipeline.storage.load import LoadSummary, _load_one, load_staged
from pipeline.storage.staging import write_batch
from pipeline.stories.fingerprints import fingerprint, same_report
from pipeline.stories.index import StoryIndex, mark_stale
from pipeline.stories.keys import article_key

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
SYLLABLES = ["ka", "ro", "mi", "ten", "sul", "va", "dor", "pe", "lin", "gra", "tos", "ne"]
VOCAB = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", *SYLLABLES)})


def paragraphs(seed: int, n_par: int = 6, per: int = 40) -> list[str]:
    """Pseudo-text: paragraphs of words from a 1,900-word vocabulary."""
    rnd = random.Random(seed)
    w = [rnd.choice(VOCAB) for _ in range(n_par * per)]
    return [" ".join(w[i * per : (i + 1) * per]) + "." for i in range(n_par)]


def art(
    aid: str,
    body: str,
    *,
    outlet: str,
    hours: float = 0,
    agency: str | None = None,
    evidence: str | None = None,
    staged_fp: bool = True,
) -> rows.ArticleRow:
    return rows.article(
        aid,
        body,
        outlet=outlet,
        hours=hours,
        staged_fp=staged_fp,
        agency=agency,
        agency_evidence=evidence if agency else None,
    )


class Loader:
    """The real ``_load_one`` on one open connection (no per-batch open/lock overhead)."""

    def __init__(self, path: Path, window: timedelta = WINDOW):
        self.path = path
        self.window = window
        self.staging = path.parent / f"staging-{path.stem}"
        self.n = 0
        self.con = connect(path)
        migrate(self.con)
        StoryIndex(self.con, window).ensure_current(datetime.now(UTC))

    def load(self, articles: list[dict]) -> LoadSummary:
        self.n += 1
        bid = f"r{self.n:04d}-b0000"
        d = write_batch(self.staging, bid, f"r{self.n:04d}", {"articles": articles})
        summary = LoadSummary()
        _load_one(self.con, d, summary, self.window)
        return summary

    def partition(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT article_id, story_id FROM articles").fetchall())

    def snapshot(self) -> dict:
        con = self.con
        return {
            "articles": con.execute(
                "SELECT article_id, story_id, agency, agency_evidence, syndication, is_syndicated"
                " FROM articles ORDER BY 1"
            ).fetchall(),
            "stories": con.execute(
                "SELECT * EXCLUDE (updated_at) FROM stories ORDER BY story_id"
            ).fetchall(),
        }

    def close(self) -> None:
        self.con.close()


@pytest.fixture
def loader(tmp_path):
    ld = Loader(tmp_path / "s.duckdb")
    yield ld
    ld.close()


def groups(partition: dict[str, str]) -> set[frozenset[str]]:
    by: dict[str, set[str]] = {}
    for aid, sid in partition.items():
        by.setdefault(sid, set()).add(aid)
    return {frozenset(v) for v in by.values()}


# ---------------------------------------------------------------------------------- scenario

WIRE = paragraphs(11, 6)
OTHER_SAME_EVENT = [*paragraphs(12, 4), WIRE[4]]  # shares the background paragraph
LOCAL = paragraphs(13, 5)


def scenario() -> list[dict]:
    """Wire story + copies (verbatim, truncated, edited, no signal), a hard negative by the same
    agency sharing a paragraph, an outlet's own story and its republication."""
    name = WIRE[0].split()[1]
    edited = [p.replace(name, name + "o") for p in WIRE]
    return [
        art("w1", "\n".join(WIRE), outlet="wire.ex", hours=0, agency="AFP", evidence="dateline"),
        art("c1", "\n".join(WIRE), outlet="one.ex", hours=1),  # verbatim, no signal
        art("c2", "\n".join(WIRE[:2]), outlet="two.ex", hours=2, agency="AFP", evidence="byline"),
        art("c3", "\n".join(edited[:5]), outlet="three.ex", hours=30),  # edited and cut
        art(
            "h1",
            "\n".join(OTHER_SAME_EVENT),
            outlet="wire.ex",
            hours=3,
            agency="AFP",
            evidence="dateline",
        ),
        art("o1", "\n".join(LOCAL), outlet="one.ex", hours=4),
        art("o2", "\n".join(LOCAL) + "\nRead more on our site", outlet="four.ex", hours=9),
    ]


EXPECTED = {
    frozenset({"w1", "c1", "c2", "c3"}),
    frozenset({"h1"}),
    frozenset({"o1", "o2"}),
}


def test_scenario_partition_agency_and_syndication(loader):
    loader.load(scenario())
    assert groups(loader.partition()) == EXPECTED
    rows = {
        r[0]: r[1:]
        for r in loader.con.execute(
            "SELECT article_id, story_id, agency, agency_evidence, syndication, is_syndicated"
            " FROM articles"
        ).fetchall()
    }
    assert rows["w1"] == ("st_w1", "AFP", "dateline", "wire", True)
    assert rows["c1"] == ("st_w1", "AFP", "story", "wire", True)  # inherited
    assert rows["c2"][1:3] == ("AFP", "byline")
    assert rows["h1"] == ("st_h1", "AFP", "dateline", "wire", True)
    assert rows["o1"] == ("st_o1", None, None, "original", False)  # own reporting: NULL
    assert rows["o2"] == ("st_o1", None, None, "copy", True)
    story = loader.con.execute(
        "SELECT first_article_id, title, article_count, n_outlets, agency, method,"
        " first_published_at, last_seen_at FROM stories WHERE story_id = 'st_w1'"
    ).fetchone()
    assert story[:5] == ("w1", "Title of w1", 4, 4, "AFP")
    assert story[5].startswith("near_dup/")
    assert story[6] == T0 and story[7] == T0 + timedelta(hours=30, minutes=5)
    assert loader.con.execute("SELECT count(*) FROM stories").fetchone()[0] == 3


def test_any_order_and_batching_equals_rebuild(tmp_path):
    items = scenario() + list(bridge()) + chain()
    reference = None
    rnd = random.Random(5)
    for i in range(5):
        order = items[:]
        rnd.shuffle(order)
        cuts = sorted(rnd.sample(range(1, len(order)), rnd.randint(0, 3)))
        ld = Loader(tmp_path / f"o{i}.duckdb")
        try:
            for a, b in itertools.pairwise([0, *cuts, len(order)]):
                ld.load(order[a:b])
            snap = ld.snapshot()
            if reference is None:
                reference = snap
            assert snap == reference, f"order {[x['article_id'] for x in order]} cuts {cuts}"
            ld.con.execute("BEGIN")
            StoryIndex(ld.con, WINDOW).rebuild(datetime.now(UTC), chunk_size=3)
            ld.con.execute("COMMIT")
            assert ld.snapshot() == reference
        finally:
            ld.close()
    assert groups(dict((a, s) for a, s, *_ in reference["articles"])) == EXPECTED | {
        frozenset("abc"),
        frozenset({"d00", "d05"}),
        frozenset({"d10", "d13", "d16"}),
    }


def test_late_original_rekeys_story_and_bumps_loaded_at(loader):
    items = {a.article_id: a for a in scenario()}
    loader.load([items["c1"]])  # the unsigned copy arrives first: its own story, no agency
    assert loader.partition() == {"c1": "st_c1"}
    before = loader.con.execute("SELECT loaded_at, agency FROM articles").fetchone()
    assert before[1] is None
    loader.load([items["w1"]])  # the agency's original, published an hour earlier
    assert loader.partition() == {"c1": "st_w1", "w1": "st_w1"}
    after = loader.con.execute(
        "SELECT loaded_at, agency, agency_evidence FROM articles WHERE article_id = 'c1'"
    ).fetchone()
    assert after[0] > before[0] and after[1:] == ("AFP", "story")
    assert loader.con.execute("SELECT story_id, article_count FROM stories").fetchall() == [
        ("st_w1", 2)
    ]


def bridge() -> tuple[dict, dict, dict]:
    """a ~ b and b ~ c, but a !~ c."""
    base = paragraphs(21, 4, 30)
    a_text = "\n".join(base)
    b_text = "\n".join(base[:3] + paragraphs(22, 1, 30))
    c_text = "\n".join(base[:2] + paragraphs(22, 1, 30) + paragraphs(23, 1, 30))
    fa, fb, fc = fingerprint(a_text), fingerprint(b_text), fingerprint(c_text)
    assert same_report(fa, fb) and same_report(fb, fc) and not same_report(fa, fc)
    return (
        art("a", a_text, outlet="x.ex", hours=0),
        art("b", b_text, outlet="y.ex", hours=5),
        art("c", c_text, outlet="z.ex", hours=2),
    )


def chain(days=(0, 5, 10, 13, 16)) -> list[dict]:
    text = "\n".join(paragraphs(31))
    return [art(f"d{d:02d}", text, outlet=f"o{d}.ex", hours=24 * d) for d in days]


def test_bridge_merges_two_stories_keeping_the_earliest_id(loader):
    a, b, c = bridge()
    loader.load([a, c])
    assert groups(loader.partition()) == {frozenset({"a"}), frozenset({"c"})}
    loader.load([b])  # bridges: one story, the id of the earliest article
    assert loader.partition() == {"a": "st_a", "b": "st_a", "c": "st_a"}
    assert loader.con.execute("SELECT story_id, article_count FROM stories").fetchall() == [
        ("st_a", 3)
    ]


def test_story_cannot_span_more_than_the_window(loader):
    days = chain()  # each copy within 7 days of the previous: one chain
    loader.load(days[::2])
    # 0, 10, 16: 0-10 too far apart; 10-16 linked
    assert groups(loader.partition()) == {frozenset({"d00"}), frozenset({"d10", "d16"})}
    loader.load(days[1::2])
    # the chain links all five; cut from the first: [0, 5] then [10, 13, 16]
    assert loader.partition() == {
        "d00": "st_d00",
        "d05": "st_d00",
        "d10": "st_d10",
        "d13": "st_d10",
        "d16": "st_d10",
    }
    spans = loader.con.execute("SELECT max(last_seen_at - first_seen_at) FROM stories").fetchone()[
        0
    ]
    assert spans <= WINDOW


def test_index_survives_restart_and_unstaged_fingerprints_are_computed(tmp_path):
    db, staging, state = tmp_path / "db.duckdb", tmp_path / "staging", tmp_path / "state"
    items = {a.article_id: a for a in scenario()}
    write_batch(staging, "r1-b0", "r1", {"articles": [items["w1"], items["o1"]]})
    load_staged(db, staging, state)
    # an old-style batch without fingerprint columns' values: the loader computes them
    late = art("c2", items["c2"].body, outlet="two.ex", hours=2, staged_fp=False)
    write_batch(staging, "r2-b0", "r2", {"articles": [late]})
    load_staged(db, staging, state)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert dict(con.execute("SELECT article_id, story_id FROM articles").fetchall()) == {
            "w1": "st_w1",
            "o1": "st_o1",
            "c2": "st_w1",
        }
        assert con.execute("SELECT count(*) FROM story_lsh").fetchone()[0] == 3 * 44
    finally:
        con.close()


def test_pre_index_database_is_rebuilt_on_first_load(tmp_path):
    """A file whose stories came from the exact-body rule gets reclustered once."""
    db, staging, state = tmp_path / "db.duckdb", tmp_path / "staging", tmp_path / "state"
    items = scenario()
    write_batch(staging, "r1-b0", "r1", {"articles": items})
    load_staged(db, staging, state)
    con = connect(db)
    con.execute("UPDATE articles SET story_id = 'st_' || content_hash")
    con.execute("DELETE FROM stories")
    con.execute("DELETE FROM story_index_state")
    con.close()
    load_staged(db, staging, state)
    con = duckdb.connect(str(db), read_only=True)
    try:
        part = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
        assert groups(part) == EXPECTED
        assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 3
    finally:
        con.close()


def test_window_change_triggers_rebuild(tmp_path):
    ld = Loader(tmp_path / "w.duckdb", window=timedelta(days=7))
    text = "\n".join(paragraphs(41))
    ld.load([art(f"d{d}", text, outlet=f"o{d}.ex", hours=24 * d) for d in (0, 3)])
    assert len(groups(ld.partition())) == 1
    index = StoryIndex(ld.con, timedelta(days=1))
    assert index.ensure_current(datetime.now(UTC)) is True
    assert len(groups(ld.partition())) == 2
    assert index.ensure_current(datetime.now(UTC)) is False
    mark_stale(ld.con)  # what a writer that changes bodies in place does
    assert StoryIndex(ld.con, timedelta(days=7)).ensure_current(datetime.now(UTC)) is True
    assert len(groups(ld.partition())) == 1
    ld.close()


def test_article_key_is_the_hex_id_in_bigint_range():
    assert article_key("0000000000000000") == -(2**63)
    assert article_key("ffffffffffffffff") == 2**63 - 1
    assert -(2**63) <= article_key("not-hex") < 2**63
