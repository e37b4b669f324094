"""The story index: incremental near-duplicate clustering, persisted in the DuckDB file.

Runs inside the single-writer loader's batch transaction (``pipeline.storage.load._load_one``), so a
batch's stories are committed with its articles or not at all, and the index survives restarts.
The rules (similarity, window, story cut, agency inheritance) are in :mod:`pipeline.stories.fingerprints`; this
module applies them to one batch of new articles at a time:

1. **Candidates**: the batch's LSH band keys are joined against ``story_lsh`` restricted to the
   batch's clock range +- the window, and against each other.
2. **Verification**: each candidate pair is checked on the exact shingle sets in ``story_index``.
3. **Union** (:mod:`pipeline.stories.clusters`, no SQL): matched pairs merge the new articles and
   the existing *clusters* they touch.
4. **Cut** (same module): each changed cluster is cut into stories in time order. When the new articles all
   come after the cluster's first article, only its tail is recomputed (from the story open at
   the earliest new article on); a merge, or an article older than the cluster, recomputes the
   whole cluster. Both give what a rebuild from scratch gives (tests compare them).
5. **Write**: new rows in ``story_index``/``story_lsh``; changed existing members (re-keyed,
   agency inherited) in ``story_index`` and ``articles`` (with ``loaded_at`` bumped, so
   incremental marts recompute their days); touched rows of ``stories`` replaced.

Why every query carries a clock range: DuckDB has no clustered index, but it skips row groups
whose min/max do not overlap a range filter. ``story_index``/``story_lsh`` rows are appended in
roughly clock order, so the window around a batch is a few row groups however long the history:
adding a batch costs the same on a 10k- or a 1M-article index (``benchmarks/dedup_bench.py``).
The same trick bounds the ``articles``/``stories`` updates (by ``fetched_at``/``first_seen_at``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

import duckdb
import numpy as np

from pipeline.stories.clusters import (
    Assignment,
    BatchResult,
    Row,
    Shingles,
    assign,
    link,
    plan_clusters,
)
from pipeline.stories.fingerprints import (
    DEFAULT_WINDOW,
    FINGERPRINT_VERSION,
    member_attribution,
    story_agency,
    story_id_for,
    story_method,
)
from pipeline.stories.intake import prepare_batch


def mark_stale(con: duckdb.DuckDBPyConnection) -> None:
    """Make the next load rebuild the story index from the stored bodies.

    For writers that change stored bodies or agencies in place (re-extraction): removing an
    article from a cluster can split it, which the incremental path does not do, so the index is
    rebuilt whole instead. Call inside the writer's transaction.
    """
    con.execute("DELETE FROM story_index_state")


def _ts_sql(us: int, *, upper: bool = False) -> str:
    """A whole-second TIMESTAMPTZ constant at or below (``upper``: at or above) epoch
    microseconds ``us``; a constant, so DuckDB can skip row groups with it."""
    seconds = -(-us // 1_000_000) if upper else us // 1_000_000
    return f"to_timestamp({seconds})"


class StoryIndex:
    """Story assignment for one DuckDB connection (the loader's, inside its transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, window: timedelta = DEFAULT_WINDOW):
        self.con = con
        self.window = window
        self.w_us = int(window.total_seconds() * 1_000_000)
        self.method = story_method(window)

    # ------------------------------------------------------------------------------ state

    def _expected_state(self) -> dict[str, str]:
        return {"fingerprint_version": FINGERPRINT_VERSION, "method": self.method}

    def needs_rebuild(self) -> bool:
        """True when the index was built by another fingerprint version or rule (thresholds,
        window: ``stories.method``), or was marked stale (:func:`mark_stale`), or never built
        while articles exist (a file from before the near-duplicate clusterer)."""
        state = dict(self.con.execute("SELECT name, value FROM story_index_state").fetchall())
        if state == self._expected_state():
            return False
        if not state:
            return self.con.execute("SELECT count(*) > 0 FROM articles").fetchone()[0]
        return True

    def _write_state(self) -> None:
        self.con.execute("DELETE FROM story_index_state")
        self.con.executemany(
            "INSERT INTO story_index_state VALUES (?, ?)", list(self._expected_state().items())
        )

    def ensure_current(self, now: datetime, progress: Callable[[str], None] | None = None) -> bool:
        """Rebuild (in its own transaction) if needed; returns whether it rebuilt."""
        if not self.needs_rebuild():
            if not self.con.execute("SELECT count(*) FROM story_index_state").fetchone()[0]:
                self._write_state()
            return False
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.rebuild(now, progress=progress)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return True

    # ---------------------------------------------------------------------------- rebuild

    def rebuild(
        self,
        now: datetime,
        *,
        chunk_size: int = 5000,
        progress: Callable[[str], None] | None = None,
    ) -> BatchResult:
        """Recluster every stored article from its body, in clock order (caller's transaction).

        Used when the fingerprint version or the window changes, and to check that incremental
        loading and a rebuild agree. Articles are fed in clock order so the index is laid out in
        clock order, as incremental loading lays it out.
        """
        con = self.con
        con.execute("DELETE FROM story_lsh")
        con.execute("DELETE FROM story_index")
        con.execute("DELETE FROM stories")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE dd_all AS
            SELECT row_number() OVER (
                       ORDER BY coalesce(published_at, fetched_at), article_id) AS rn,
                   article_id, published_at, fetched_at, outlet, title, agency,
                   agency_evidence, body
            FROM articles ORDER BY rn
            """
        )
        total = con.execute("SELECT count(*) FROM dd_all").fetchone()[0]
        result = BatchResult()
        for start in range(0, total, chunk_size):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE dd_chunk AS SELECT * EXCLUDE (rn) FROM dd_all"
                f" WHERE rn > {start} AND rn <= {start + chunk_size}"
            )
            r = self.add_articles("dd_chunk", now, update_articles=False)
            result.new_articles += r.new_articles
            result.candidate_pairs += r.candidate_pairs
            result.matched_pairs += r.matched_pairs
            if progress:
                progress(f"[stories] reindexed {min(start + chunk_size, total)}/{total}")
        con.execute("DROP TABLE IF EXISTS dd_all")
        con.execute("DROP TABLE IF EXISTS dd_chunk")
        # One pass over articles at the end instead of one per chunk.
        con.execute(
            """
            UPDATE articles SET story_id = s.story_id, agency = s.agency,
                   agency_evidence = s.agency_evidence, syndication = s.syndication,
                   is_syndicated = s.syndication IN ('wire', 'copy'), loaded_at = ?
            FROM story_index s
            WHERE articles.article_id = s.article_id
              AND (articles.story_id IS DISTINCT FROM s.story_id
                   OR articles.agency IS DISTINCT FROM s.agency
                   OR articles.agency_evidence IS DISTINCT FROM s.agency_evidence
                   OR articles.syndication IS DISTINCT FROM s.syndication)
            """,
            [now],
        )
        self._write_state()
        result.stories_touched = con.execute("SELECT count(*) FROM stories").fetchone()[0]
        return result

    # ------------------------------------------------------------------------ one batch

    def add_articles(
        self, source: str, now: datetime, *, update_articles: bool = True
    ) -> BatchResult:
        """Cluster the new articles in table ``source`` (columns: article_id, published_at,
        fetched_at, outlet, title, agency, agency_evidence, body, and optionally the staged
        fingerprint columns). Leaves their assignments in temp table ``dd_out`` (article_id,
        story_id, agency, agency_evidence, syndication, is_syndicated) for the caller to insert
        with the articles; applies every other change itself."""
        result = BatchResult()
        new_rows = prepare_batch(self.con, source)
        result.new_articles = len(new_rows)
        if not new_rows:
            self._empty_out()
            return result
        w = self.w_us
        lo = min(r.ts for r in new_rows) - w
        hi = max(r.ts for r in new_rows) + w
        pairs_old, pairs_new = self._candidate_pairs(lo, hi)
        result.candidate_pairs = len(pairs_old) + len(pairs_new)
        sets, old_info = self._exact_sets(pairs_old, pairs_new, lo, hi)
        groups, cluster_start, result.matched_pairs = link(
            new_rows, pairs_new + pairs_old, sets, old_info
        )
        plans, gather_from = plan_clusters(groups, cluster_start, w)
        old_members = self._gather(gather_from)
        looked_at = new_rows + [m for ms in old_members.values() for m in ms]
        changed_old: list[Row] = []
        touched_stories: set[str] = set()
        story_attr: dict[str, str | None] = {}
        for plan in plans:
            olds = [m for ck in plan.clusters for m in old_members.get(ck, [])]
            self._assign(
                assign(plan, olds, cluster_start, w), changed_old, touched_stories, story_attr
            )
        result.members_changed = len(changed_old)
        result.stories_touched = len(touched_stories)
        self._write(new_rows, changed_old, touched_stories, story_attr, now, update_articles)
        self._refresh_stories(touched_stories, story_attr, looked_at, now)
        return result

    def _candidate_pairs(
        self, lo: int, hi: int
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """LSH candidates of the new articles (``dd_new``): (new, indexed) and (new, new) pairs
        whose clocks are within the window."""
        con, w = self.con, self.w_us
        con.execute(
            "CREATE OR REPLACE TEMP TABLE dd_keys AS"
            " SELECT art_key, ts, unnest(fp_band_keys) AS band_key FROM dd_new"
        )
        pairs_old = con.execute(
            f"""
            SELECT DISTINCT k.art_key, l.article_key
            FROM dd_keys k JOIN story_lsh l ON l.band_key = k.band_key
            WHERE l.ts BETWEEN {lo} AND {hi} AND abs(l.ts - k.ts) <= {w}
            """
        ).fetchall()
        pairs_new = con.execute(
            f"""
            SELECT DISTINCT a.art_key, b.art_key
            FROM dd_keys a JOIN dd_keys b
              ON a.band_key = b.band_key AND a.art_key < b.art_key AND abs(a.ts - b.ts) <= {w}
            """
        ).fetchall()
        return pairs_old, pairs_new

    def _exact_sets(
        self,
        pairs_old: list[tuple[int, int]],
        pairs_new: list[tuple[int, int]],
        lo: int,
        hi: int,
    ) -> tuple[dict[int, Shingles], dict[int, tuple[int, int]]]:
        """Exact shingle sets of every article in a candidate pair (new ones from ``dd_new``,
        indexed ones from ``story_index``, clock-pruned), and each indexed one's cluster."""
        con = self.con
        sets: dict[int, Shingles] = {}
        involved = {a for a, _ in pairs_old} | {x for pair in pairs_new for x in pair}
        if involved:
            con.register("dd_inv", {"k": np.array(sorted(involved), dtype=np.int64)})
            for k, sh, le in con.execute(
                "SELECT art_key, fp_shingles, fp_lede FROM dd_new"
                " WHERE art_key IN (SELECT k FROM dd_inv)"
            ).fetchall():
                sets[k] = (frozenset(sh), frozenset(le))
            con.unregister("dd_inv")
        old_info: dict[int, tuple[int, int]] = {}
        if pairs_old:
            con.register(
                "dd_cand", {"k": np.array(sorted({b for _, b in pairs_old}), dtype=np.int64)}
            )
            for k, sh, le, ck, cs in con.execute(
                f"""
                SELECT article_key, shingles, lede, cluster_key, cluster_start FROM story_index
                WHERE ts BETWEEN {lo} AND {hi} AND article_key IN (SELECT k FROM dd_cand)
                """
            ).fetchall():
                sets[k] = (frozenset(sh), frozenset(le))
                old_info[k] = (ck, cs)
            con.unregister("dd_cand")
        return sets, old_info

    def _gather(self, gather_from: dict[int, int]) -> dict[int, list[Row]]:
        """Existing members of the given clusters with clock >= the given bound."""
        if not gather_from:
            return {}
        con = self.con
        con.register(
            "dd_gather",
            {
                "ck": np.array(list(gather_from), dtype=np.int64),
                "from_ts": np.array(list(gather_from.values()), dtype=np.int64),
            },
        )
        rows = con.execute(
            f"""
            SELECT s.article_key, s.article_id, s.ts, epoch_us(s.fetched_at), s.outlet,
                   s.own_agency, s.own_evidence, s.cluster_key, s.cluster_start, s.story_id,
                   s.agency, s.agency_evidence, s.syndication
            FROM story_index s JOIN dd_gather g ON s.cluster_key = g.ck AND s.ts >= g.from_ts
            WHERE s.ts >= {min(gather_from.values())}
            """
        ).fetchall()
        con.unregister("dd_gather")
        out: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            out[row[7]].append(Row(*row))
        return out

    def _assign(
        self,
        assignment: Assignment,
        changed_old: list[Row],
        touched: set[str],
        story_attr: dict[str, str | None],
    ) -> None:
        """Give each affected member its story, cluster and attribution; collect changes."""
        by_story: dict[str, list[Row]] = defaultdict(list)
        c_key, c_start = assignment.cluster_key, assignment.cluster_start
        for m, anchor in zip(assignment.affected, assignment.anchors, strict=True):
            by_story[anchor].append(m)
        for anchor_id, members in by_story.items():
            sid = story_id_for(anchor_id)
            anchor = next(m for m in members if m.article_id == anchor_id)
            agency, strong = story_agency(m.member() for m in members)
            story_attr[sid] = agency
            touched.add(sid)
            for m in members:
                ag, ev, syn = member_attribution(m.member(), anchor.outlet, agency, strong)
                before = (
                    m.cluster_key,
                    m.cluster_start,
                    m.story_id,
                    m.agency,
                    m.agency_evidence,
                    m.syndication,
                )
                if m.story_id and m.story_id != sid:
                    touched.add(m.story_id)
                m.cluster_key, m.cluster_start, m.story_id = c_key, c_start, sid
                m.agency, m.agency_evidence, m.syndication = ag, ev, syn
                if not m.new and before != (c_key, c_start, sid, ag, ev, syn):
                    changed_old.append(m)

    def _empty_out(self) -> None:
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE dd_out (article_id VARCHAR, story_id VARCHAR,"
            " agency VARCHAR, agency_evidence VARCHAR, syndication VARCHAR,"
            " is_syndicated BOOLEAN)"
        )

    def _write(
        self,
        new_rows: list[Row],
        changed_old: list[Row],
        touched: set[str],
        story_attr: dict[str, str | None],
        now: datetime,
        update_articles: bool,
    ) -> None:
        con = self.con
        self._register_rows("dd_assign", new_rows)
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE dd_out AS
            SELECT article_id, story_id, agency, agency_evidence, syndication,
                   syndication IN ('wire', 'copy') AS is_syndicated
            FROM dd_assign
            """
        )
        con.execute(
            """
            INSERT INTO story_index
            SELECT n.art_key, n.article_id, n.ts, n.published_at, n.fetched_at, n.outlet,
                   n.title, n.own_agency, n.own_evidence, a.cluster_key, a.cluster_start,
                   a.story_id, a.agency, a.agency_evidence, a.syndication,
                   len(n.fp_shingles), n.fp_shingles, n.fp_lede
            FROM dd_new n JOIN dd_assign a USING (article_id)
            ORDER BY n.ts, n.article_id
            """
        )
        con.execute("INSERT INTO story_lsh SELECT band_key, ts, art_key FROM dd_keys ORDER BY ts")
        con.unregister("dd_assign")
        if changed_old:
            self._register_rows("dd_changed", changed_old)
            lo = min(m.ts for m in changed_old)
            hi = max(m.ts for m in changed_old)
            con.execute(
                f"""
                UPDATE story_index SET cluster_key = c.cluster_key,
                       cluster_start = c.cluster_start, story_id = c.story_id,
                       agency = c.agency, agency_evidence = c.agency_evidence,
                       syndication = c.syndication
                FROM dd_changed c
                WHERE story_index.article_key = c.key AND story_index.ts BETWEEN {lo} AND {hi}
                """
            )
            if update_articles:
                flo = min(m.fetched_us for m in changed_old)
                fhi = max(m.fetched_us for m in changed_old)
                con.execute(
                    f"""
                    UPDATE articles SET story_id = c.story_id, agency = c.agency,
                           agency_evidence = c.agency_evidence, syndication = c.syndication,
                           is_syndicated = c.syndication IN ('wire', 'copy'), loaded_at = ?
                    FROM dd_changed c
                    WHERE articles.article_id = c.article_id
                      AND articles.fetched_at BETWEEN {_ts_sql(flo)} AND {_ts_sql(fhi, upper=True)}
                      AND (articles.story_id IS DISTINCT FROM c.story_id
                           OR articles.agency IS DISTINCT FROM c.agency
                           OR articles.agency_evidence IS DISTINCT FROM c.agency_evidence
                           OR articles.syndication IS DISTINCT FROM c.syndication)
                    """,
                    [now],
                )
            con.unregister("dd_changed")

    def _register_rows(self, name: str, rows: list[Row]) -> None:
        self.con.register(
            name,
            {
                "key": np.array([r.key for r in rows], dtype=np.int64),
                "article_id": np.array([r.article_id for r in rows], dtype=object),
                "cluster_key": np.array([r.cluster_key for r in rows], dtype=np.int64),
                "cluster_start": np.array([r.cluster_start for r in rows], dtype=np.int64),
                "story_id": np.array([r.story_id for r in rows], dtype=object),
                "agency": np.array([r.agency for r in rows], dtype=object),
                "agency_evidence": np.array([r.agency_evidence for r in rows], dtype=object),
                "syndication": np.array([r.syndication for r in rows], dtype=object),
            },
        )

    def _refresh_stories(
        self,
        touched: set[str],
        story_attr: dict[str, str | None],
        rows: list[Row],
        now: datetime,
    ) -> None:
        """Replace the touched ``stories`` rows by aggregates of their current members."""
        if not touched:
            return
        con = self.con
        ids = sorted(touched)
        con.register(
            "dd_touched",
            {
                "story_id": np.array(ids, dtype=object),
                "agency": np.array([story_attr.get(s) for s in ids], dtype=object),
            },
        )
        # Every member of a touched story (old or new) is among ``rows``: the plan gathered
        # each changed cluster from the earliest anchor it could affect. So these bounds are
        # exact lower bounds, used to skip row groups, never to decide.
        min_ts = min(r.ts for r in rows)
        min_fetched = min(r.fetched_us for r in rows)
        con.execute(
            f"""
            DELETE FROM stories
            WHERE first_seen_at >= {_ts_sql(min_fetched)}
              AND story_id IN (SELECT story_id FROM dd_touched)
            """
        )
        con.execute(
            f"""
            INSERT INTO stories
            SELECT s.story_id,
                   substr(s.story_id, 4) AS first_article_id,
                   coalesce(
                       max(s.title) FILTER (WHERE s.article_id = substr(s.story_id, 4)),
                       first(s.title ORDER BY s.ts, s.article_id)
                           FILTER (WHERE s.title IS NOT NULL)) AS title,
                   min(s.published_at) AS first_published_at,
                   min(s.fetched_at) AS first_seen_at,
                   max(s.fetched_at) AS last_seen_at,
                   count(*) AS article_count,
                   count(DISTINCT s.outlet) AS n_outlets,
                   any_value(t.agency) AS agency,
                   ? AS method,
                   ? AS updated_at
            FROM story_index s JOIN dd_touched t USING (story_id)
            WHERE s.ts >= {min_ts}
            GROUP BY s.story_id
            """,
            [self.method, now],
        )
        con.unregister("dd_touched")
