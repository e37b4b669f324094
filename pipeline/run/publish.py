"""Publish what readers use after a models build: the read-only snapshot, then the HTML report.

The one publish path: ``newsflow run`` / ``newsflow models`` (through ``passes.build_models``,
which already holds the DB lock) and the ``news_models`` DAG's last task (which takes it here)
both call :func:`publish`. The report is rendered from the new snapshot, never the live file.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

from pipeline.report import report_path, write_report
from pipeline.run.dbt import release_duckdb
from pipeline.settings import Settings
from pipeline.storage.db import db_lock
from pipeline.storage.snapshot import SnapshotInfo, publish_snapshot, snapshot_path


def publish(
    settings: Settings, *, report: bool = True, lock_held: bool = False, lock_timeout: float = 600.0
) -> dict[str, Any]:
    """Publish the snapshot (under the DB lock, taken here unless ``lock_held``), then rewrite
    the report. Returns a JSON-safe summary: the snapshot's counts plus the report's path (the
    DAG task's XCom and the snapshot asset's event extra)."""
    if "dbt.adapters.duckdb.connections" in sys.modules:
        # dbt ran in this very process (``airflow dags test`` runs every Cosmos task in one
        # process, and so does ``newsflow run``) and dbt-duckdb keeps the file attached: let go
        # first, or the ATTACH meets "file is already attached". A connection object that is
        # unreachable but not yet collected still pins the file in DuckDB's per-process
        # instance cache; collect it before attaching.
        release_duckdb()
        gc.collect()
    if lock_held:
        info = _snapshot(settings)
    else:
        with db_lock(settings.db_path, lock_timeout):
            info = _snapshot(settings)
    out = info.to_dict()
    if report:
        summary = write_report(info.path, report_path(settings.db_path, settings.data_dir))
        out["report"] = str(summary.path)
        out["charts"] = len(summary.charts)
    return out


def _snapshot(settings: Settings) -> SnapshotInfo:
    return publish_snapshot(settings.db_path, snapshot_path(settings.db_path, settings.data_dir))


def describe(summary: dict[str, Any]) -> str:
    """One log line for a publication."""
    line = (
        f"[snapshot] {summary['path']}: {summary['articles']} article(s), "
        f"{summary['stories']} stor{'y' if summary['stories'] == 1 else 'ies'}, "
        f"{summary['tables']} table(s), {summary['views']} view(s) in {summary['seconds']:.1f}s"
    )
    if summary.get("report"):
        line += f"; report {summary['report']} ({summary.get('charts', 0)} chart(s))"
    return line
