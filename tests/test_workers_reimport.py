"""BoundedPool workers must not re-run the parent's ``__main__`` script.

Found by the Airflow UI end-to-end test: in an Airflow 3 task process the main script is the
``airflow`` console script, and forkserver/spawn children re-executed it, which initialises
Airflow and fails there, so every worker died and every feed poll ended as ``parse_error``. The
script below plays that role: importing it under any name but ``__main__`` exits.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import os, sys
    if __name__ != "__main__":
        raise SystemExit("the main script was re-imported in a worker")
    sys.path.insert(0, sys.argv[1])
    import __main__
    from pipeline.run.pool import BoundedPool

    before = __main__.__spec__
    with BoundedPool(2) as pool:
        results = pool.map(os.getpid, [(), (), ()], timeout=60)
    print([r.ok for r in results], [r.error for r in results if not r.ok])
    print("pids", len({r.value for r in results if r.ok}) >= 1)
    print("spec restored", __main__.__spec__ is before)
    """
)


def test_workers_run_when_the_main_script_cannot_be_reimported(tmp_path: Path) -> None:
    script = tmp_path / "main_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "[True, True, True] []", proc.stdout + proc.stderr[-2000:]
    assert "pids True" in lines and "spec restored True" in lines
