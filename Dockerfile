# newsflow on Airflow 3: the official Airflow image plus this project, installed against the same
# lock (constraints.txt) the tests run with. Build: `docker compose build` (see docs/deployment.md).
#
# The tag is pinned exactly and must match `apache-airflow==` in constraints.txt (a test checks
# it): the base image's Airflow and the one our lock resolved against must be the same release.
FROM apache/airflow:3.3.2-python3.11

# Folders the containers write to, created here so that a new named volume mounted on them starts
# with these owners: Docker copies the image's directory (and its ownership) into an empty volume.
# Group 0 and group-writable, like the rest of the official image, so the stack also runs with
# another UID (AIRFLOW_UID) as long as the group is 0.
#   /data                DuckDB file, staged Parquet batches, state, dbt's target/logs
#   /opt/airflow/auth    SimpleAuthManager's passwords file, written by docker/airflow-init.sh
USER root
RUN mkdir -p /data /opt/airflow/auth /opt/newsflow \
    && chown -R airflow:0 /data /opt/airflow/auth /opt/newsflow \
    && chmod -R g+rwX /data /opt/airflow/auth /opt/newsflow

# Everything from here on runs as the airflow user: the official image refuses (and its docs
# forbid) pip as root; packages go to ~airflow/.local as the image's PIP_USER setting intends.
USER airflow

# Only what the install needs, in the order it changes least often, so an edit to a DAG or a dbt
# model does not re-run pip.
COPY --chown=airflow:0 constraints.txt pyproject.toml README.md /opt/newsflow/src/
COPY --chown=airflow:0 pipeline/ /opt/newsflow/src/pipeline/

# Same pins as the venv the tests use. The celery provider and redis client serve the `celery`
# compose profile; the base image ships them already, naming them here keeps the profile working
# if the base image's extras ever change (their exact pins belong in constraints.txt).
RUN pip install --no-cache-dir -c /opt/newsflow/src/constraints.txt \
        /opt/newsflow/src \
        apache-airflow-providers-celery \
        redis \
    && rm -rf /opt/newsflow/src/build /opt/newsflow/src/*.egg-info

# The dbt project (docker-compose.yml also bind-mounts ./sql over it for live edits), the init
# script, and the DAGs, so the image also runs without the repo mounted (e.g. on Kubernetes).
COPY --chown=airflow:0 sql/ /opt/newsflow/sql/
COPY --chown=airflow:0 docker/airflow-init.sh /opt/newsflow/docker/airflow-init.sh
COPY --chown=airflow:0 dags/ /opt/airflow/dags/

# pipeline/run/dbt.py reads NEWSFLOW_DBT_PROJECT_DIR: the package is installed in site-packages,
# so the repo-relative default (../sql next to pipeline/) does not exist in the image.
# The rest are defaults that docker-compose.yml repeats explicitly.
ENV NEWSFLOW_DBT_PROJECT_DIR=/opt/newsflow/sql \
    NEWSFLOW_DB_PATH=/data/newsflow.duckdb \
    NEWSFLOW_FEEDS=/opt/newsflow/FEEDS.yaml \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1
