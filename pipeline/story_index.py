"""The story index: incremental near-duplicate clustering, persisted in the DuckDB file.

Runs inside the single-writer loader's batch transaction (``pipeline.store._load_one``), so a
batch's stories are committed with its articles or not at all, and the index survives restarts.
The rules (similarity, window, story cut, agency inheritance) are in :mod:`pipeline.dedup`; this
module applies them to one batch of new articles at a time:

1. **Candidates**: the batch's LSH band keys are joined against ``story_lsh`` restricted to the
   batch's clock range +- the window, and against each other.
2. **Verification**: each candidate pair is checked on the exact shingle sets in ``story_index``.
3. **Union**: matched pairs merge the new articles and the existing *clusters* they touch.
4. **Cut**: each changed cluster is cut into stories in time order. When the new articles all
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

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np

from pipeline.dedup import (
    DEFAULT_WINDOW,
    FINGERPRINT_VERSION,
    INHERITED,
    N_BAND_KEYS,
    Member,
    fingerprint,
    member_attribution,
    similarity,
    split_stories,
    story_agency,
    story_id_for,
    story_method,
)

_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_OFFSET = 1 << 63


def article_key(article_id: str) -> int:
    """A signed 64-bit key for an article id (ids are 16-hex URL hashes: the key is that number,
    shifted into BIGINT range; other ids are hashed)."""
    if _HEX16.match(article_id):
        v = int(article_id, 16)
    else:
        v = int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "big")
    return v - _OFFSET


@dataclass
class _Row:
    """One article as the clusterer sees it (new or already indexed)."""

    key: int
    article_id: str
    ts: int
    fetched_us: int
    outlet: str
    own_agency: str | None
    own_evidence: str | None
    cluster_key: int | None = None
    cluster_start: int | None = None
    story_id: str | None = None
    agency: str | None = None
    agency_evidence: str | None = None
    syndication: str | None = None
    new: bool = False

    @property
    def order(self) -> tuple[int, str]:
        return (self.ts, self.article_id)

    def member(self) -> Member:
        return Member(self.article_id, self.ts, self.outlet, self.own_agency, self.own_evidence)


@dataclass
class BatchResult:
    new_articles: int = 0
    candidate_pairs: int = 0
    matched_pairs: int = 0
    stories_touched: int = 0
    members_changed: int = 0


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(self, x: tuple[str, int]) -> tuple[str, int]:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: tuple[str, int], b: tuple[str, int]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_INPUT_COLUMNS = (
    "article_id",
    "published_at",
    "fetched_at",
    "outlet",
    "title",
    "agency",
    "agency_evidence",
    "body",
)
_FP_COLUMNS = ("fingerprint_version", "fp_shingles", "fp_lede", "fp_band_keys")


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

    def _prepare(self, source: str) -> list[_Row]:
        """Copy the batch into ``dd_new`` with story clock, key and fingerprint (computing the
        fingerprints the workers did not stage)."""
        con = self.con
        cols = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
        missing = [c for c in _INPUT_COLUMNS if c not in cols]
        if missing:
            raise ValueError(f"{source}: missing columns {missing}")
        staged = all(c in cols for c in _FP_COLUMNS)
        fp_sql = (
            f"""CASE WHEN fingerprint_version = '{FINGERPRINT_VERSION}'
                      AND len(fp_band_keys) = {N_BAND_KEYS}
                      AND fp_shingles IS NOT NULL AND fp_lede IS NOT NULL
                 THEN true ELSE false END AS fp_ok,
                 fp_shingles, fp_lede, fp_band_keys"""
            if staged
            else "false AS fp_ok, NULL::UINTEGER[] AS fp_shingles, NULL::UINTEGER[] AS fp_lede,"
            " NULL::BIGINT[] AS fp_band_keys"
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE dd_new AS
            SELECT article_id, epoch_us(coalesce(published_at, fetched_at)) AS ts,
                   epoch_us(fetched_at) AS fetched_us, published_at, fetched_at, outlet, title,
                   CASE WHEN agency_evidence = '{INHERITED}' THEN NULL ELSE agency END
                       AS own_agency,
                   CASE WHEN agency_evidence = '{INHERITED}' OR agency IS NULL THEN NULL
                        ELSE agency_evidence END AS own_evidence,
                   {fp_sql}, body, NULL::BIGINT AS art_key
            FROM {source}
            """
        )
        rows = con.execute(
            "SELECT article_id, ts, fetched_us, outlet, own_agency, own_evidence FROM dd_new"
        ).fetchall()
        todo = con.execute("SELECT article_id, body FROM dd_new WHERE NOT fp_ok").fetchall()
        if todo:
            self._fill_fingerprints(todo)
        keys = {r[0]: article_key(r[0]) for r in rows}
        con.register(
            "dd_keys_in",
            {
                "article_id": np.array(list(keys), dtype=object),
                "art_key": np.array(list(keys.values()), dtype=np.int64),
            },
        )
        con.execute(
            "UPDATE dd_new SET art_key = k.art_key FROM dd_keys_in k"
            " WHERE dd_new.article_id = k.article_id"
        )
        con.unregister("dd_keys_in")
        return [
            _Row(keys[aid], aid, ts, fus, outlet, agency, evidence, new=True)
            for aid, ts, fus, outlet, agency, evidence in rows
        ]

    def _fill_fingerprints(self, todo: list[tuple[str, str]]) -> None:
        ids, sh_id, sh_v, le_id, le_v, bk_id, bk_v = [], [], [], [], [], [], []
        for aid, body in todo:
            fp = fingerprint(body or "")
            ids.append(aid)
            sh_id += [aid] * len(fp.shingles)
            sh_v += fp.shingles
            le_id += [aid] * len(fp.lede)
            le_v += fp.lede
            bk_id += [aid] * len(fp.band_keys)
            bk_v += fp.band_keys
        con = self.con
        for name, idcol, vals, dtype in (
            ("dd_fp_sh", sh_id, sh_v, np.uint32),
            ("dd_fp_le", le_id, le_v, np.uint32),
            ("dd_fp_bk", bk_id, bk_v, np.int64),
        ):
            con.register(
                name,
                {"article_id": np.array(idcol, dtype=object), "v": np.array(vals, dtype=dtype)},
            )
        con.register("dd_fp_ids", {"article_id": np.array(ids, dtype=object)})
        con.execute(
            """
            UPDATE dd_new SET fp_ok = true,
                   fp_shingles = coalesce(f.sh, []::UINTEGER[]),
                   fp_lede = coalesce(f.le, []::UINTEGER[]),
                   fp_band_keys = f.bk
            FROM (
                SELECT i.article_id, sh.sh, le.le, bk.bk
                FROM dd_fp_ids i
                LEFT JOIN (SELECT article_id, list(v::UINTEGER ORDER BY v) AS sh
                           FROM dd_fp_sh GROUP BY article_id) sh USING (article_id)
                LEFT JOIN (SELECT article_id, list(v::UINTEGER ORDER BY v) AS le
                           FROM dd_fp_le GROUP BY article_id) le USING (article_id)
                LEFT JOIN (SELECT article_id, list(v::BIGINT) AS bk
                           FROM dd_fp_bk GROUP BY article_id) bk USING (article_id)
            ) f
            WHERE dd_new.article_id = f.article_id
            """
        )
        for name in ("dd_fp_sh", "dd_fp_le", "dd_fp_bk", "dd_fp_ids"):
            con.unregister(name)

    def add_articles(
        self, source: str, now: datetime, *, update_articles: bool = True
    ) -> BatchResult:
        """Cluster the new articles in table ``source`` (columns: article_id, published_at,
        fetched_at, outlet, title, agency, agency_evidence, body, and optionally the staged
        fingerprint columns). Leaves their assignments in temp table ``dd_out`` (article_id,
        story_id, agency, agency_evidence, syndication, is_syndicated) for the caller to insert
        with the articles; applies every other change itself."""
        con = self.con
        result = BatchResult()
        new_rows = self._prepare(source)
        result.new_articles = len(new_rows)
        if not new_rows:
            self._empty_out()
            return result
        w = self.w_us
        lo = min(r.ts for r in new_rows) - w
        hi = max(r.ts for r in new_rows) + w
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
        result.candidate_pairs = len(pairs_old) + len(pairs_new)

        # Exact sets: new articles from dd_new, candidates from story_index (clock-pruned).
        sets: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
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
                "dd_cand",
                {"k": np.array(sorted({b for _, b in pairs_old}), dtype=np.int64)},
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

        uf = _UnionFind()
        by_key = {r.key: r for r in new_rows}
        for r in new_rows:
            uf.find(("n", r.key))
        cluster_start: dict[int, int] = {}
        for a, b in pairs_new + pairs_old:
            if b not in sets:  # stale LSH row without an index row: cannot match
                continue
            sa, sb = sets[a], sets[b]
            if similarity(sa[0], sa[1], sb[0], sb[1]).rule is None:
                continue
            result.matched_pairs += 1
            if b in by_key:
                uf.union(("n", a), ("n", b))
            else:
                ck, cs = old_info[b]
                cluster_start[ck] = cs
                uf.union(("n", a), ("c", ck))

        groups: dict[tuple[str, int], tuple[list[_Row], set[int]]] = defaultdict(
            lambda: ([], set())
        )
        for r in new_rows:
            groups[uf.find(("n", r.key))][0].append(r)
        for ck in cluster_start:
            groups[uf.find(("c", ck))][1].add(ck)

        # Which existing members must be looked at, per cluster: its tail from the earliest
        # new article minus the window, or all of it.
        plans = []
        gather_from: dict[int, int] = {}
        for new, clusters in groups.values():
            new.sort(key=lambda r: r.order)
            if not clusters:
                plans.append(("fresh", new, clusters))
            elif len(clusters) == 1 and new[0].ts > cluster_start[next(iter(clusters))]:
                ck = next(iter(clusters))
                gather_from[ck] = new[0].ts - w
                plans.append(("tail", new, clusters))
            else:
                for ck in clusters:
                    gather_from[ck] = cluster_start[ck]
                plans.append(("full", new, clusters))
        old_members = self._gather(gather_from)
        looked_at = new_rows + [m for ms in old_members.values() for m in ms]

        changed_old: list[_Row] = []
        touched_stories: set[str] = set()
        story_attr: dict[str, str | None] = {}
        for mode, new, clusters in plans:
            olds = [m for ck in clusters for m in old_members.get(ck, [])]
            if mode == "tail":
                ck = next(iter(clusters))
                c_key, c_start = ck, cluster_start[ck]
                p = new[0].order
                prior = sorted((m for m in olds if m.order < p), key=lambda m: m.order)
                rest = sorted([m for m in olds if m.order >= p] + new, key=lambda m: m.order)
                # The story open just before p (if any) continues; earlier stories are final.
                open_anchor = None
                prior_open: list[_Row] = []
                if prior and prior[-1].story_id:
                    anchor_id = prior[-1].story_id[3:]
                    anchor = next((m for m in prior if m.article_id == anchor_id), None)
                    if anchor is not None and new[0].ts - anchor.ts <= w:
                        open_anchor = (anchor.ts, anchor.article_id)
                        prior_open = [m for m in prior if m.story_id == prior[-1].story_id]
                anchors = [open_anchor[1]] * len(prior_open) if open_anchor else []
                anchors += split_stories(
                    [(m.ts, m.article_id) for m in rest], w, open_anchor=open_anchor
                )
                affected = prior_open + rest
            else:
                everyone = sorted(olds + new, key=lambda m: m.order)
                anchors = split_stories([(m.ts, m.article_id) for m in everyone], w)
                affected = everyone
                if mode == "fresh":
                    c_key, c_start = new[0].key, new[0].ts
                else:
                    c_key = min(clusters, key=lambda c: (cluster_start[c], c))
                    c_start = everyone[0].ts
            self._assign(
                affected, anchors, c_key, c_start, changed_old, touched_stories, story_attr
            )
        result.members_changed = len(changed_old)
        result.stories_touched = len(touched_stories)
        self._write(new_rows, changed_old, touched_stories, story_attr, now, update_articles)
        self._refresh_stories(touched_stories, story_attr, looked_at, now)
        return result

    def _gather(self, gather_from: dict[int, int]) -> dict[int, list[_Row]]:
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
        out: dict[int, list[_Row]] = defaultdict(list)
        for row in rows:
            out[row[7]].append(_Row(*row))
        return out

    def _assign(
        self,
        affected: list[_Row],
        anchors: list[str],
        c_key: int,
        c_start: int,
        changed_old: list[_Row],
        touched: set[str],
        story_attr: dict[str, str | None],
    ) -> None:
        """Give each affected member its story, cluster and attribution; collect changes."""
        by_story: dict[str, list[_Row]] = defaultdict(list)
        for m, anchor in zip(affected, anchors, strict=True):
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
        new_rows: list[_Row],
        changed_old: list[_Row],
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

    def _register_rows(self, name: str, rows: list[_Row]) -> None:
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
        rows: list[_Row],
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
