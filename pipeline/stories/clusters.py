"""Which new articles join which stories: the clustering decisions, without any SQL.

The story index (:mod:`pipeline.stories.index`) finds candidate pairs (LSH) and their exact
shingle sets in the database; this module links verified matches into clusters (union-find),
decides per cluster how much of it must be re-split (:class:`PlanMode`), and computes each
affected member's story anchor with :func:`pipeline.stories.fingerprints.split_stories`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.stories.fingerprints import Member, similarity, split_stories

Shingles = tuple[frozenset[int], frozenset[int]]  # (body shingles, lede shingles)


@dataclass
class Row:
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


class UnionFind:
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


class PlanMode(StrEnum):
    """How much of a cluster a batch re-splits into stories."""

    FRESH = "fresh"  # only new articles: a new cluster
    TAIL = "tail"  # new articles all after the cluster's start: re-split its tail only
    FULL = "full"  # an article before the start, or clusters merging: re-split all of it


@dataclass
class Plan:
    mode: PlanMode
    new: list[Row]
    clusters: set[int] = field(default_factory=set)


@dataclass
class Assignment:
    """The members a plan re-splits, each one's story anchor, and the cluster they end in."""

    affected: list[Row]
    anchors: list[str]
    cluster_key: int
    cluster_start: int


def link(
    new_rows: list[Row],
    pairs: list[tuple[int, int]],
    sets: dict[int, Shingles],
    old_info: dict[int, tuple[int, int]],
) -> tuple[list[tuple[list[Row], set[int]]], dict[int, int], int]:
    """Union verified pairs: (groups of (new rows, existing cluster keys), each existing
    cluster's start, number of matched pairs). A pair's second key is a new article or an
    indexed one (``old_info``: its cluster key and start)."""
    uf = UnionFind()
    by_key = {r.key: r for r in new_rows}
    for r in new_rows:
        uf.find(("n", r.key))
    cluster_start: dict[int, int] = {}
    matched = 0
    for a, b in pairs:
        if b not in sets:  # stale LSH row without an index row: cannot match
            continue
        sa, sb = sets[a], sets[b]
        if similarity(sa[0], sa[1], sb[0], sb[1]).rule is None:
            continue
        matched += 1
        if b in by_key:
            uf.union(("n", a), ("n", b))
        else:
            ck, cs = old_info[b]
            cluster_start[ck] = cs
            uf.union(("n", a), ("c", ck))
    groups: dict[tuple[str, int], tuple[list[Row], set[int]]] = defaultdict(lambda: ([], set()))
    for r in new_rows:
        groups[uf.find(("n", r.key))][0].append(r)
    for ck in cluster_start:
        groups[uf.find(("c", ck))][1].add(ck)
    return list(groups.values()), cluster_start, matched


def plan_clusters(
    groups: list[tuple[list[Row], set[int]]], cluster_start: dict[int, int], window_us: int
) -> tuple[list[Plan], dict[int, int]]:
    """A plan per group, and from which clock each existing cluster's members must be read:
    its tail from the earliest new article minus the window, or all of it."""
    plans: list[Plan] = []
    gather_from: dict[int, int] = {}
    for new, clusters in groups:
        new.sort(key=lambda r: r.order)
        if not clusters:
            plans.append(Plan(PlanMode.FRESH, new, clusters))
        elif len(clusters) == 1 and new[0].ts > cluster_start[next(iter(clusters))]:
            ck = next(iter(clusters))
            gather_from[ck] = new[0].ts - window_us
            plans.append(Plan(PlanMode.TAIL, new, clusters))
        else:
            for ck in clusters:
                gather_from[ck] = cluster_start[ck]
            plans.append(Plan(PlanMode.FULL, new, clusters))
    return plans, gather_from


def assign(
    plan: Plan, olds: list[Row], cluster_start: dict[int, int], window_us: int
) -> Assignment:
    """Story anchors for the members a plan touches (``olds``: the gathered existing members)."""
    if plan.mode is PlanMode.TAIL:
        return _assign_tail(plan, olds, cluster_start, window_us)
    everyone = sorted(olds + plan.new, key=lambda m: m.order)
    anchors = split_stories([(m.ts, m.article_id) for m in everyone], window_us)
    if plan.mode is PlanMode.FRESH:
        return Assignment(everyone, anchors, plan.new[0].key, plan.new[0].ts)
    c_key = min(plan.clusters, key=lambda c: (cluster_start[c], c))
    return Assignment(everyone, anchors, c_key, everyone[0].ts)


def _assign_tail(
    plan: Plan, olds: list[Row], cluster_start: dict[int, int], window_us: int
) -> Assignment:
    """Re-split only from the first new article on; the story open just before it (if any)
    continues, earlier stories are final."""
    ck = next(iter(plan.clusters))
    p = plan.new[0].order
    prior = sorted((m for m in olds if m.order < p), key=lambda m: m.order)
    rest = sorted([m for m in olds if m.order >= p] + plan.new, key=lambda m: m.order)
    open_anchor = None
    prior_open: list[Row] = []
    if prior and prior[-1].story_id:
        anchor_id = prior[-1].story_id[3:]
        anchor = next((m for m in prior if m.article_id == anchor_id), None)
        if anchor is not None and plan.new[0].ts - anchor.ts <= window_us:
            open_anchor = (anchor.ts, anchor.article_id)
            prior_open = [m for m in prior if m.story_id == prior[-1].story_id]
    anchors = [open_anchor[1]] * len(prior_open) if open_anchor else []
    anchors += split_stories(
        [(m.ts, m.article_id) for m in rest], window_us, open_anchor=open_anchor
    )
    return Assignment(prior_open + rest, anchors, ck, cluster_start[ck])
