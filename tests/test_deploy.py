"""The shipped scheduling files name commands that exist and run."""

from __future__ import annotations

import configparser
import shlex
import subprocess
from pathlib import Path

from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"


def _run_in_project(command: str) -> subprocess.CompletedProcess[str]:
    """Run the scheduled command with the project standing where the unit expects it."""
    args = shlex.split(command)
    python = args[0].replace("%h/complaint-desk", str(ROOT))
    return subprocess.run([python if Path(python).exists() else "python3", *args[1:], "--help"],
                          cwd=ROOT, capture_output=True, text=True)


def test_systemd_service_and_timer() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "systemd" / "complaint-desk-refresh.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"] == "3"
    proc = _run_in_project(service["Service"]["ExecStart"])
    assert proc.returncode == 0 and "usage: python -m etl refresh" in proc.stdout
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd" / "complaint-desk-refresh.timer")
    assert timer["Timer"]["OnCalendar"] == "hourly" and timer["Install"]["WantedBy"] == "timers.target"


def test_cron_line() -> None:
    lines = [line for line in (DEPLOY / "cron" / "complaint-desk-refresh.cron").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert fields[:5] == ["5", "*", "*", "*", "*"]
    command = fields[5].split("&&", 1)[1].split(">>")[0].strip()
    proc = _run_in_project(command)
    assert proc.returncode == 0 and "refresh" in proc.stdout
