"""A PostgreSQL restart under load (``benchmarks/faults.py --postgres``, short): the service
recovers on its own, no decision answered 200 is lost, every job completes and every webhook
event arrives exactly once. Starts its own throwaway cluster (a shared test server cannot be
restarted), so it is skipped where Debian's PostgreSQL packages are missing."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "faults.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        reason="needs Debian's PostgreSQL packages (/usr/lib/postgresql/*/bin)",
    ),
]


def test_crash_and_restart_of_postgres_under_load_loses_nothing() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--postgres", "--seconds", "8", "--concurrency", "4",
         "--stop-mode", "immediate", "--down", "1"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.stdout.strip().endswith(("PASS", "FAIL")), run.stderr[-2000:]
    result = json.loads(run.stdout.strip().rsplit("\n", 1)[0])
    assert result["failed"] > 0  # the outage was seen: requests failed while the server was down
    assert {k for k in result["failures_by_kind"] if not k.startswith("job")} <= {"HTTP 503"}
    assert result["server_alive"] and result["ready_after"]
    assert result["failures_after_first_ok"] == 0
    assert result["after_outage_ok"] == result["after_outage_sent"]
    assert result["lost_decisions"] == 0
    assert result["jobs"] > 0 and result["jobs_completed"] == result["jobs"]
    assert result["events_lost"] == 0 and result["events_duplicated"] == 0
    assert run.returncode == 0, run.stdout[-3000:]
