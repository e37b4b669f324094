"""Airflow Assets shared by the DAG files.

Why here and not in ``dags/``: DAG files must not import each other, and the producer
(``news_ingest``'s load task) and the consumer (``news_models``'s schedule) must name the very
same Asset. This is the one module of ``pipeline`` that imports Airflow: only the DAG files
import it, so the pipeline itself stays importable and testable without Airflow.
"""

from airflow.sdk import Asset

NEWS_DB = Asset("newsflow://duckdb/articles")

# Updated by news_models' last task each time it publishes the read-only snapshot (and the HTML
# report) that analysts and BI tools read; the event's extra holds the snapshot's counts.
NEWS_SNAPSHOT = Asset("newsflow://duckdb/snapshot")
