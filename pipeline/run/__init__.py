"""The run layer: the stage functions the CLI and the Airflow DAGs both call (poll, plan,
fetch+extract, load, models, publish, re-extract), and the worker pool they share."""
