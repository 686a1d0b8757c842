"""Every `run:` step of every job of the generated ci.yml passes, in a fresh clone, with the tool
versions the workflow pins (see tests/firstpush/workflow.py for how a runner is emulated and
which steps cannot run here, each with its reason)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.firstpush.toolbox import Toolbox
from tests.firstpush.variants import CI_VARIANTS, repo
from tests.firstpush.workflow import SKIPPED, Runner, StepResult, Timings, load, unused_skips

pytestmark = pytest.mark.slow

TIMINGS = Timings()


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if TIMINGS.seconds:
        print("\nci.yml run, seconds per job:", json.dumps(TIMINGS.seconds), file=sys.stderr)


@pytest.fixture(scope="module")
def toolbox(tmp_path_factory: pytest.TempPathFactory) -> Toolbox:
    return Toolbox.create(tmp_path_factory.mktemp("toolbox"))


@pytest.mark.parametrize("key", list(CI_VARIANTS))
def test_every_ci_step_passes_in_a_fresh_clone(key: str, toolbox: Toolbox, tmp_path: Path) -> None:
    rendered = repo(key)
    runner = Runner(rendered.path, tmp_path, toolbox)
    results = runner.run()
    TIMINGS.add(key, results)
    print(f"\n{key}:\n" + "\n".join(r.describe() for r in results), file=sys.stderr)
    failed = [r for r in results if r.outcome == "failed"]
    assert not failed, "\n\n".join(r.describe() for r in failed)
    ran = [r for r in results if r.outcome == "passed"]
    assert ran, "no step ran"
    # Every job ran at least one step of its own (a job is never skipped whole).
    _, jobs = load(rendered.path / ".github/workflows/ci.yml")
    assert {job.key for job in jobs} == {r.job for r in ran}
    # Each allowlisted skip is still needed where its job exists.
    assert unused_skips(results, jobs) == []
    skipped = {(r.job, r.name) for r in results if r.outcome == "skipped"}
    assert all(r.reason for r in results if r.outcome == "skipped"), skipped


def _skips(results: list[StepResult]) -> set[str]:
    return {r.reason for r in results if r.outcome == "skipped"}


def test_every_skip_names_its_reason() -> None:
    for (job, pattern), reason in SKIPPED.items():
        assert job and pattern
        assert len(reason.split()) >= 6, (job, pattern, reason)
