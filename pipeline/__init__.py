"""newsflow: a news-ingestion ETL pipeline (feeds -> articles -> stories -> places -> DuckDB)."""

__version__ = "0.1.0"
