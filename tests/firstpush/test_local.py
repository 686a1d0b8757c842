"""What README.md tells a new developer to run works as written, from a fresh clone, in order:
`make lint`, `make test` (with the integration-test variables the README exports), `make run`
and the smoke test against that local instance; then every pre-commit hook on every file.

The README's commands are read from the README itself. Its docker compose servers are the
loopback PostgreSQL and Redis of .ci/run (no Docker engine here): each compose URL in a README
command is pointed at them, on a fresh database, and `docker compose up` lines are not run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.firstpush.hooks import SCRIPTS, write_offline_config
from tests.firstpush.toolbox import Toolbox, fresh_clone
from tests.firstpush.variants import MAKE_VARIANTS, repo
from tests.firstpush.workflow import _fresh_database, bash
from tests.repo.helpers import Rendered, code_blocks, section
from tests.services.support import free_port
from tests.support.servers import wait_for_port
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow

TIMINGS: dict[str, dict[str, float]] = {}
COMPOSE_URL = re.compile(r"(postgresql://app@127\.0\.0\.1:5432/\w+|redis://127\.0\.0\.1:6379/0)")


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if TIMINGS:
        print("\nREADME commands, seconds:", json.dumps(TIMINGS), file=sys.stderr)


@pytest.fixture(scope="module")
def toolbox(tmp_path_factory: pytest.TempPathFactory) -> Toolbox:
    return Toolbox.create(tmp_path_factory.mktemp("toolbox"))


def _commands(readme: str, slug: str) -> list[str]:
    """Command lines of the bash blocks of one README section."""
    lines: list[str] = []
    for block in code_blocks(section(readme, slug), "bash"):
        lines += [line.strip() for line in block.splitlines() if line.strip()]
    return lines


def _local_urls(text: str, database: str) -> str:
    """The README's docker compose URLs pointed at the loopback servers of .ci/run."""
    redis = server_url("redis")
    return COMPOSE_URL.sub(lambda m: database if m.group(0).startswith("postgresql") else redis, text)


def _environ(toolbox: Toolbox, rendered: Rendered) -> dict[str, str]:
    """A developer's shell: the tools README.md lists, no CI, no TEST_* variables."""
    paths = [toolbox.node("22")]
    uv = os.environ.get("SVCFORGE_UV")
    if uv:
        paths.append(Path(uv).parent)
    env = toolbox.environ(paths)
    env.pop("CI", None)
    return env


def _run(command: str, cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    proc = bash(command, cwd, env, timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"$ {command}\n(rc {proc.returncode})\n{output[-8000:]}"
    return output


def _stop(proc: subprocess.Popen[bytes]) -> int:
    """Ctrl-C, as a developer stops `make run` (the whole process group gets SIGINT)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


@pytest.mark.parametrize("key", MAKE_VARIANTS)
def test_readme_commands_and_hooks_pass_in_a_fresh_clone(key: str, toolbox: Toolbox, tmp_path: Path) -> None:
    rendered = repo(key)
    readme = rendered.read("README.md")
    clone = fresh_clone(rendered.path, tmp_path / "repo")
    env = _environ(toolbox, rendered)
    times: dict[str, float] = {}
    database = _fresh_database(rendered.answers["service_name"].replace("-", "_"))

    # 1. make lint, then make test with what the Test section exports.
    test_lines = _commands(readme, "test")
    assert "make lint" in test_lines and "make test" in test_lines, test_lines
    started = time.perf_counter()
    _run("make lint", clone, env)
    times["make lint"] = round(time.perf_counter() - started, 1)
    exports = [line for line in test_lines if line.startswith("export TEST_")]
    expected = {
        *(["TEST_DATABASE_URL"] if rendered.use_postgres else []),
        *(["TEST_REDIS_URL"] if rendered.use_redis else []),
    }
    assert {line.split("=", 1)[0].removeprefix("export ") for line in exports} == expected
    assert all(COMPOSE_URL.search(line) for line in exports), exports
    started = time.perf_counter()
    output = _run(_local_urls("\n".join([*exports, "make test"]), database), clone, env)
    times["make test"] = round(time.perf_counter() - started, 1)
    assert "is not set" not in output, "integration tests were skipped:\n" + output[-4000:]

    # 2. make run, and the smoke test against it, as the Run locally section says.
    run_lines = _commands(readme, "run-locally")
    assert "make run" in run_lines and "scripts/smoke-test.sh local" in run_lines, run_lines
    port = free_port()
    run_env = {**env, "PORT": str(port)}
    if rendered.use_postgres:
        run_env["DATABASE_URL"] = database
    if rendered.use_redis:
        run_env["REDIS_URL"] = server_url("redis")
    log = tmp_path / "make-run.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "run"], cwd=clone, env=run_env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(port, proc, "make run", timeout=600, log=log)
        times["make run (until listening)"] = round(time.perf_counter() - started, 1)
        smoke = _run("scripts/smoke-test.sh local", clone, {**env, "PORT": str(port)}, timeout=120)
        assert f"ok    http://127.0.0.1:{port}/health/live" in smoke, smoke
    finally:
        code = _stop(proc)
    assert code in (0, 2, -signal.SIGINT), f"make run ended with {code}:\n{log.read_text()[-4000:]}"

    # 3. Every pre-commit hook on every file, with the versions the config pins.
    bins = _hook_bins(toolbox)
    config = write_offline_config(clone, tmp_path / "pre-commit-offline.yaml", bins)
    hook_env = {**env, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    hook_env["PATH"] = os.pathsep.join([str(SCRIPTS), str(toolbox.tflint("v0.53.0")), hook_env["PATH"]])
    started = time.perf_counter()
    precommit = bins["pre-commit"]
    output = _run(f"{precommit} run --all-files --show-diff-on-failure --config {config}", clone, hook_env)
    times["pre-commit run --all-files"] = round(time.perf_counter() - started, 1)
    assert "Passed" in output, output
    TIMINGS[key] = times


def _hook_bins(toolbox: Toolbox) -> dict[str, Path]:
    """Entry tool name -> executable, every one at the version its hook pins."""
    precommit = Path(os.environ.get("SVCFORGE_PRECOMMIT_BIN", ""))
    go_bin = Path(os.environ.get("SVCFORGE_GO_BIN", ""))
    bins: dict[str, Path] = {
        name: precommit / name
        for name in (
            "pre-commit",
            "trailing-whitespace-fixer",
            "end-of-file-fixer",
            "check-yaml",
            "check-json",
            "check-merge-conflict",
            "check-added-large-files",
            "detect-private-key",
            "mixed-line-ending",
        )
    }
    bins["detect-secrets-hook"] = Path(tool("detect-secrets-hook"))
    bins["actionlint"] = go_bin / "actionlint"
    bins["oslo"] = go_bin / "oslo"
    bins["shellcheck"] = Path(tool("shellcheck"))
    bins["hadolint"] = Path(tool("hadolint"))
    bins["markdownlint-cli2"] = Path(tool("markdownlint-cli2"))
    bins["terraform_fmt.sh"] = SCRIPTS / "terraform_fmt.sh"
    bins["terraform_tflint.sh"] = SCRIPTS / "terraform_tflint.sh"
    for name, path in bins.items():
        assert path.is_file(), f"{name}: {path} is missing; .ci/run installs it"
    return bins
