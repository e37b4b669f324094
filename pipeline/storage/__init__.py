"""Storage: the DuckDB file, its table declarations and migrations, staged batches, the loader,
the poll state fan-out tasks read, and the read-only snapshot."""
