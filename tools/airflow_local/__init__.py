"""A local Airflow 3 with this project's DAGs, to watch the pipeline run (``newsflow airflow``).

Why separate components and not ``airflow standalone``: standalone generates its own admin
password and prints it once, needs the venv's ``bin`` on PATH, and hides each component's output
behind one stream. Here the components are the ones the compose stack runs (``api-server``,
``scheduler``, ``dag-processor``, ``triggerer``; LocalExecutor), each with its own log file, a
login we know, and one SQLite metadata DB under ``DIR/airflow``. Unless ``--feeds`` names a real
registry, the bundled demo web (``tools/demo``) is served on loopback and a demo feeds file
points at it, so the whole thing works offline.

Modules: :mod:`.environment` (the shared environment, login, executable), :mod:`.processes`
(components and the clean-up), :mod:`.stack` (:class:`LocalAirflow`, also what the end-to-end
test drives), :mod:`.launch` (the command's run until Ctrl-C).
"""

from tools.airflow_local.environment import (
    COMPONENTS,
    DAG_IDS,
    USERNAME,
    airflow_environment,
    default_dags_dir,
    ensure_password,
    free_port,
)
from tools.airflow_local.launch import launch
from tools.airflow_local.processes import Component, kill_strays, pids_with_home
from tools.airflow_local.stack import LocalAirflow

__all__ = [
    "COMPONENTS",
    "DAG_IDS",
    "USERNAME",
    "Component",
    "LocalAirflow",
    "airflow_environment",
    "default_dags_dir",
    "ensure_password",
    "free_port",
    "kill_strays",
    "launch",
    "pids_with_home",
]
