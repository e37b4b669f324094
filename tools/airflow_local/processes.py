"""The local Airflow's processes: one per component, and the clean-up that nothing outlives.

Each component runs in its own session (so its whole process group can be signalled) with its
own log file. Task processes the executor starts open sessions of their own, so stopping also
sweeps every process left with this ``AIRFLOW_HOME`` in its environment.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Component:
    """One Airflow component (``api-server``, ``scheduler`` ...) and its log file."""

    name: str
    argv: list[str]
    log: Path
    proc: subprocess.Popen | None = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 25) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def pids_with_home(home: Path) -> list[int]:
    """Processes (other than this one) whose environment has ``AIRFLOW_HOME=home``."""
    import psutil

    target, me, out = str(home), os.getpid(), []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == me:
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if proc.environ().get("AIRFLOW_HOME") == target:
                out.append(proc.pid)
    return out


def kill_strays(home: Path, grace: float = 10.0) -> list[int]:
    """Terminate, then kill, every process left running with ``AIRFLOW_HOME=home``.

    The safety net after stopping the components: task processes the executor started in
    sessions of their own are not in any component's process group.
    """
    import psutil

    procs = []
    for pid in pids_with_home(home):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.terminate()
            procs.append(proc)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    return [p.pid for p in procs]
