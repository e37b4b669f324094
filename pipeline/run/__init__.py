"""Run: one pass of the pipeline (poll, fetch, extract, stage, load) and its supporting pieces."""
