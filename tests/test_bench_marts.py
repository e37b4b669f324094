"""The marts benchmark's smoke size keeps the harness working: a SQL-built corpus, real loads
and real dbt builds (figures are printed, not timed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO, load_script

pytestmark = [pytest.mark.timeout(120), pytest.mark.e2e]


def _bench():
    return load_script(REPO / "benchmarks" / "bench_marts.py")


def test_smoke_builds_a_corpus_loads_and_builds_the_marts(tmp_path: Path) -> None:
    out = _bench().main(["--smoke", "--keep", str(tmp_path)])
    (res,) = out["results"]
    assert res["articles"] == 2000
    assert res["load_s"] > 0 and res["full_s"] > 0 and res["incremental_s"] > 0
    # the incremental build left the unchanged seeds out
    assert res["incremental_nodes"] < 130
    import duckdb

    con = duckdb.connect(str(tmp_path / "n2000" / "news.duckdb"), read_only=True)
    try:
        counts = dict(
            con.execute(
                "SELECT 'articles', count(*) FROM articles UNION ALL "
                "SELECT 'places', count(*) FROM article_places UNION ALL "
                "SELECT 'lsh', count(*) FROM story_lsh UNION ALL "
                "SELECT 'multi', count(*) FROM stories WHERE article_count > 1 UNION ALL "
                "SELECT 'complete', count(*) FROM dbt_meta.builds WHERE complete"
            ).fetchall()
        )
    finally:
        con.close()
    assert counts["articles"] == 2000 and counts["places"] > 2000
    assert counts["lsh"] == 2000 * 44  # every article's band keys
    assert counts["multi"] > 100  # 3-article stories in the bulk and in the real batches
    assert counts["complete"] == 2
