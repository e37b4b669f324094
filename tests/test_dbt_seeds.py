"""A whole-project dbt build leaves the seeds out while this DB file holds them loaded from the
same files (pipeline.run.dbt): 15 of ~140 nodes of every incremental build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_models import create_db, load_base

from pipeline.run.dbt import run_dbt_build

pytestmark = pytest.mark.timeout(300)


def test_seeds_are_left_out_while_loaded_and_unchanged(tmp_path: Path) -> None:
    db = create_db(tmp_path / "news.duckdb")
    load_base(db)
    first = run_dbt_build(db)
    assert first.by_name("iso_3166_1").resource_type == "seed"
    second = run_dbt_build(db)
    assert not [n for n in second.nodes if n.resource_type == "seed"]
    assert not [n for n in second.nodes if n.name.endswith("iso_3166_1_alpha_2")]
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE seeds.un_m49_regions")
    con.close()
    third = run_dbt_build(db)  # the file lost a seed table: they load again
    assert third.by_name("un_m49_regions").status == "success"
