#!/usr/bin/env bash
# One-shot set-up run by the `airflow-init` compose service before any other Airflow component
# starts (they wait for it with `condition: service_completed_successfully`).
#
# Why a script file and not an inline `bash -c` block in docker-compose.yml: compose interpolates
# every `$` in the YAML, so inline shell needs `$$` everywhere and cannot be run or tested outside
# a container. This file is plain bash: tests/test_compose.py runs it against a SQLite metadata
# DB and then logs in to a real `airflow api-server` with the password it wrote.
#
# Idempotent: `docker compose up` runs it on every start, so each step must be safe to repeat.
#   1. `airflow db migrate`   creates or upgrades the metadata schema (no-op when current).
#   2. `airflow pools set`    creates or resets the one-slot `duckdb` pool: DuckDB allows one
#                             writer process per file, so every task that opens the file (load,
#                             dbt) runs in this pool and they queue instead of colliding.
#   3. the admin login        SimpleAuthManager reads passwords from a JSON file
#                             ({"user": "password"}); we write the admin's from .env so the
#                             login is known, instead of a random one printed once to the log.
#
# Reads: AIRFLOW_ADMIN_PASSWORD (required), AIRFLOW_ADMIN_USERNAME (default admin),
# AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS and AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE
# (both required: the same values the api-server sees), plus Airflow's own config variables.
set -euo pipefail

: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env (see .env.example)}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:?must be set, e.g. admin:admin}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?must be set to the passwords file the api-server reads}"
export AIRFLOW_ADMIN_USERNAME="${AIRFLOW_ADMIN_USERNAME:-admin}"

# Fail before touching the database if the login could never work: SimpleAuthManager only lets
# in users listed as "name:role[,name:role...]".
case ",${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS// /}," in
    *",${AIRFLOW_ADMIN_USERNAME}:"*) ;;
    *)
        echo "newsflow init: user '${AIRFLOW_ADMIN_USERNAME}' is not in" \
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS (${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS})" >&2
        exit 1
        ;;
esac
if [[ "${AIRFLOW_ADMIN_PASSWORD}" == change-me* ]]; then
    echo "newsflow init: WARNING: AIRFLOW_ADMIN_PASSWORD is still the .env.example placeholder" >&2
fi

echo "newsflow init: migrating the Airflow metadata database"
airflow db migrate

echo "newsflow init: pool 'duckdb' with 1 slot (one DuckDB writer at a time)"
airflow pools set duckdb 1 "single DuckDB writer"

echo "newsflow init: admin login for user '${AIRFLOW_ADMIN_USERNAME}'"
python - <<'PY'
"""Write the admin's password into SimpleAuthManager's passwords file, keeping other users'.

Values come from the environment, never from the script text, so no quoting can break them.
The file is replaced atomically (temp file + rename) with mode 0600: it holds a plaintext
password, and only the Airflow user (same UID in every container) needs to read it.
"""

import json
import os
import tempfile

user = os.environ["AIRFLOW_ADMIN_USERNAME"]
password = os.environ["AIRFLOW_ADMIN_PASSWORD"]
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]

passwords = {}
if os.path.isfile(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read().strip()
    try:
        passwords = json.loads(text) if text else {}
    except json.JSONDecodeError:
        print(f"newsflow init: {path} was not valid JSON; rewriting it")
        passwords = {}
    if not isinstance(passwords, dict):
        passwords = {}
passwords[user] = password

folder = os.path.dirname(os.path.abspath(path))
os.makedirs(folder, exist_ok=True)
fd, tmp = tempfile.mkstemp(prefix=".passwords-", dir=folder)
try:
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(passwords, fh)
        fh.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
except BaseException:
    if os.path.exists(tmp):
        os.unlink(tmp)
    raise
print(f"newsflow init: wrote {len(passwords)} login(s) to {path}")
PY

echo "newsflow init: done"
