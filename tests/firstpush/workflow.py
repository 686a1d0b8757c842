"""Run every step of every job of a generated workflow, as a GitHub runner would.

Each job gets its own fresh clone (runners share nothing between jobs) and runs its steps in
order: ``uses:`` steps map to the pinned tools of :mod:`tests.firstpush.toolbox`, ``run:`` steps
run with ``bash -e`` (GitHub's default shell) in the job's or step's working directory with the
workflow, job and step ``env`` and GitHub's own variables (``CI``, ``GITHUB_SHA``, ...). A job's
``services`` (its PostgreSQL and Redis containers) are the loopback servers ``.ci/run`` started:
every ``localhost:<published port>`` URL in the job's env is pointed at them, on a fresh
database. A step runs unless :data:`SKIPPED` names it, with the reason it cannot run here.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.firstpush.toolbox import Toolbox, fresh_clone, head_sha
from tests.support.servers import fresh_database
from tests.support.tools import server_url

# (job, step name as a regular expression) -> why the step cannot run on this machine. Nothing
# else is skipped; an entry no rendered workflow needs fails the run (see `unused_skips`).
SKIPPED: dict[tuple[str, str], str] = {
    ("image", r"docker/setup-buildx-action"): "Docker Buildx needs a Docker engine; this machine has none",
    ("image", r"Build the image"): "docker buildx build needs a Docker engine; this machine has none",
    ("terraform", r"terraform validate \((dev|staging|prod)\)"): (
        "terraform init downloads the providers from registry.terraform.io, which is unreachable "
        "here; tests/terraform parses, cross-references and checks every attribute against the "
        "provider schemas instead"
    ),
}

STEP_TIMEOUT_S = 900
_EXPRESSION = re.compile(r"\$\{\{")


@dataclass
class StepResult:
    job: str
    name: str
    outcome: str  # "passed", "failed" or "skipped"
    seconds: float = 0.0
    output: str = ""
    reason: str = ""

    def describe(self) -> str:
        head = f"[{self.job}] {self.name}: {self.outcome} ({self.seconds:.1f} s)"
        return f"{head}\n{self.output[-5000:]}" if self.outcome == "failed" else head


@dataclass
class Job:
    key: str
    spec: dict[str, Any]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.spec.get("steps", []))

    @property
    def workdir(self) -> str:
        return str(self.spec.get("defaults", {}).get("run", {}).get("working-directory", "."))


def step_name(step: Mapping[str, Any]) -> str:
    if "name" in step:
        return str(step["name"])
    if "uses" in step:
        return str(step["uses"]).split("@", 1)[0]
    return str(step.get("run", "")).splitlines()[0]


def load(workflow: Path) -> tuple[dict[str, Any], list[Job]]:
    data = yaml.safe_load(workflow.read_text())
    return data, [Job(key, spec) for key, spec in data["jobs"].items()]


def skip_reason(job: str, step: Mapping[str, Any]) -> str:
    name = step_name(step)
    uses = str(step.get("uses", "")).split("@", 1)[0]
    for (skip_job, pattern), reason in SKIPPED.items():
        if skip_job == job and (re.fullmatch(pattern, name) or (uses and re.fullmatch(pattern, uses))):
            return reason
    return ""


def unused_skips(results: list[StepResult], jobs: list[Job]) -> list[tuple[str, str]]:
    """Allowlist entries whose job ran here but that skipped nothing (stale exceptions)."""
    present = {job.key for job in jobs}
    used = {(r.job, r.reason) for r in results if r.outcome == "skipped"}
    return [key for key, reason in SKIPPED.items() if key[0] in present and (key[0], reason) not in used]


def bash(script: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """``script`` under `bash -e` with exactly ``env``, no stdin, output captured (as a runner does)."""
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _fresh_database(name: str) -> str:
    return fresh_database(server_url("pg"), name)


def service_env(job: Job, env: dict[str, str]) -> dict[str, str]:
    """The job's env with each URL of a service container pointed at the loopback server."""
    services = job.spec.get("services") or {}
    published: dict[int, str] = {}
    for name, spec in services.items():
        image = str(spec.get("image", ""))
        kind = "pg" if image.startswith("postgres") else "redis" if image.startswith("redis") else ""
        assert kind, f"service {name} ({image}) has no loopback equivalent"
        for mapping in spec.get("ports", []):
            published[int(str(mapping).split(":", 1)[0])] = kind
    result = dict(env)
    for key, value in env.items():
        parts = urlsplit(value)
        if parts.hostname not in ("localhost", "127.0.0.1") or parts.port not in published:
            continue
        if published[parts.port] == "pg":
            result[key] = _fresh_database(parts.path.strip("/") or "ci")
        else:
            result[key] = server_url("redis")
    return result


def _plain(values: Mapping[str, Any] | None, where: str) -> dict[str, str]:
    out = {}
    for key, value in (values or {}).items():
        text = str(value)
        assert not _EXPRESSION.search(text), f"{where}: expression in {key}={text!r} is not emulated"
        out[str(key)] = text
    return out


class Runner:
    """Runs the jobs of one workflow of one rendered repository."""

    def __init__(self, rendered: Path, work: Path, toolbox: Toolbox) -> None:
        self.rendered = rendered
        self.work = work
        self.toolbox = toolbox
        self.results: list[StepResult] = []

    def run(self, workflow: str = ".github/workflows/ci.yml") -> list[StepResult]:
        data, jobs = load(self.rendered / workflow)
        self.jobs = jobs
        workflow_env = _plain(data.get("env"), "workflow env")
        for job in jobs:
            self.run_job(job, workflow_env)
        return self.results

    def run_job(self, job: Job, workflow_env: dict[str, str]) -> None:
        assert "if" not in job.spec, f"job {job.key}: conditions are not emulated"
        clone = fresh_clone(self.rendered, self.work / f"job-{job.key}")
        runner_temp = self.work / f"runner-temp-{job.key}"
        runner_temp.mkdir()
        job_env = service_env(job, _plain(job.spec.get("env"), f"job {job.key} env"))
        paths: list[Path] = []
        github = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(clone),
            "GITHUB_SHA": head_sha(clone),
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_EVENT_NAME": "push",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(runner_temp),
        }
        for step in job.steps:
            name = step_name(step)
            reason = skip_reason(job.key, step)
            if reason:
                self.results.append(StepResult(job.key, name, "skipped", reason=reason))
                continue
            assert "if" not in step, f"{job.key}/{name}: conditions are not emulated"
            if "uses" in step:
                started = time.perf_counter()
                paths = [*self.setup(step), *paths]
                self.results.append(StepResult(job.key, name, "passed", time.perf_counter() - started))
                continue
            env = {
                **self.toolbox.environ(paths),
                **github,
                **workflow_env,
                **job_env,
                **_plain(step.get("env"), f"{job.key}/{name} env"),
            }
            workdir = clone / str(step.get("working-directory", job.workdir))
            self.results.append(self.run_step(job.key, name, str(step["run"]), workdir, env))

    def setup(self, step: Mapping[str, Any]) -> list[Path]:
        """A `uses:` step: the pinned tool it sets up, or nothing (checkout)."""
        action = str(step["uses"]).split("@", 1)[0]
        options = {str(k): str(v) for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            return []  # the job's fresh clone
        if action == "actions/setup-node":
            return [self.toolbox.node(options["node-version"])]
        if action == "actions/setup-python":
            return [self.toolbox.python(options["python-version"])]
        if action == "hashicorp/setup-terraform":
            return [self.toolbox.terraform(options["terraform_version"])]
        if action == "terraform-linters/setup-tflint":
            return [self.toolbox.tflint(options["tflint_version"])]
        raise AssertionError(f"{action} is not emulated and not in SKIPPED")

    def run_step(self, job: str, name: str, script: str, workdir: Path, env: dict[str, str]) -> StepResult:
        assert not _EXPRESSION.search(script), f"{job}/{name}: expressions in run: are not emulated"
        started = time.perf_counter()
        try:
            proc = bash(script, workdir, env, STEP_TIMEOUT_S)
            output, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as error:
            output, code = f"timed out after {STEP_TIMEOUT_S} s: {error}", -1
        seconds = time.perf_counter() - started
        outcome = "passed" if code == 0 else "failed"
        return StepResult(job, name, outcome, seconds, f"$ {script}\n(rc {code})\n{output}")


@dataclass
class Timings:
    """Seconds per variant and job, printed at the end of the module (not asserted)."""

    seconds: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, variant: str, results: list[StepResult]) -> None:
        per_job = self.seconds.setdefault(variant, {})
        for result in results:
            per_job[result.job] = round(per_job.get(result.job, 0.0) + result.seconds, 1)
