"""The wizard in a real pseudo-terminal, typed into like a person would (pexpect)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import yaml

from tests.support.render import answers

DOWN = "\x1b[B"


def test_wizard_rejects_bad_answer_reasks_and_renders(tmp_path: Path) -> None:
    given = answers()
    for asked in ("service_name", "language", "description", "min_capacity", "slo_availability_percent"):
        given.pop(asked)
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump(given))
    dest = tmp_path / "svc"
    env = {
        **os.environ,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "COLUMNS": "160",
        "LINES": "50",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "svcforge", "new", str(dest), "--data-file", str(data_file)],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 160),
    )
    try:
        child.expect_exact("service_name")
        child.send("Bad Name")
        child.expect_exact("lowercase letters, digits and single hyphens")
        child.send("\x15")  # Ctrl-U clears the line
        child.send("ledger-api\r")
        child.expect_exact("description")
        child.send("\r")  # accept the default derived from service_name
        child.expect_exact("language")
        child.send(DOWN + "\r")  # python -> typescript
        child.expect_exact("min_capacity")
        child.send("\x15" + "1\r")  # rejected: prod needs two tasks
        child.expect_exact("must be at least 2 when prod is generated")
        child.send("\x15" + "3\r")
        child.expect_exact("== Service level objectives ==")
        child.expect_exact("slo_availability_percent")
        child.send("\x15" + "100\r")  # rejected: above five nines
        child.expect_exact("must be a percentage from 95 to 99.999")
        child.send("\x15" + "99.95\r")
        child.expect_exact("Render into")
        child.send("y")
        child.expect_exact("Wrote ")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    rendered = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert rendered["service_name"] == "ledger-api"
    assert rendered["description"] == "ledger-api HTTP API"
    assert rendered["language"] == "typescript"
    assert rendered["min_capacity"] == 3
    assert rendered["slo_availability_percent"] == 99.95
    slo = yaml.safe_load((dest / "slo.yaml").read_text())
    assert [d["spec"]["objectives"][0]["target"] for d in slo if d["kind"] == "SLO"] == [0.9995, 0.95]
