"""deploy.yml passes, skipping with a notice, until the one-time setup it documents is done.

Its first job runs scripts/deploy-ready.sh with the repository variables the plan jobs need;
every other job waits for it and runs only when it reports ``ready=true``. The check itself runs
here for real in a fresh clone: with nothing set (a new repository), with the variables but no
certificate where one is required, and with everything done.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.firstpush.toolbox import fresh_clone
from tests.repo.helpers import ALL_KEYS, Rendered, rendered

READY = "needs.bootstrap.outputs.ready == 'true'"
VARS = re.compile(r"^\$\{\{ vars\.([A-Z0-9_]+) \}\}$")
CERTIFICATE = "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-0000-4000-8000-00000000000a"


def _workflow(repo: Rendered) -> dict[str, Any]:
    data = yaml.safe_load(repo.read(".github/workflows/deploy.yml"))
    assert isinstance(data, dict)
    return data


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _check_step(workflow: dict[str, Any]) -> dict[str, Any]:
    steps = workflow["jobs"]["bootstrap"]["steps"]
    (step,) = [s for s in steps if s.get("id") == "check"]
    return dict(step)


@pytest.mark.parametrize("key", list(ALL_KEYS))
def test_every_job_waits_for_the_setup_check(key: str) -> None:
    workflow = _workflow(rendered(key))
    jobs = workflow["jobs"]
    assert jobs["bootstrap"]["outputs"]["ready"] == "${{ steps.check.outputs.ready }}"
    assert "if" not in jobs["bootstrap"], "the check itself always runs"
    for name, job in jobs.items():
        if name == "bootstrap":
            continue
        needs = _needs(job)
        if "bootstrap" in needs:
            assert str(job["if"]).startswith(READY), (name, job.get("if"))
        else:
            # Deploy jobs wait for the build (or the previous environment), which waits for the check.
            assert needs, f"{name} does not wait for the setup check"
            chain = needs[0]
            while "bootstrap" not in _needs(jobs[chain]):
                chain = _needs(jobs[chain])[0]


def _run_check(clone: Path, step: dict[str, Any], variables: dict[str, str], tmp: Path) -> tuple[str, str]:
    env_names = {}
    for name, value in step["env"].items():
        match = VARS.match(str(value))
        assert match and match.group(1) == name, (name, value)
        env_names[name] = variables.get(name, "")
    output = tmp / f"github-output-{len(list(tmp.iterdir()))}"
    output.write_text("")
    proc = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=clone,
        env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **env_names},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return output.read_text(), proc.stdout


def _set_certificate(clone: Path, file: str, env: str) -> None:
    path = clone / file
    text = path.read_text()
    if file.endswith(".tfvars"):
        text, count = re.subn(
            r'^certificate_arn = ""$', f'certificate_arn = "{CERTIFICATE}"', text, flags=re.M
        )
    else:
        pattern = rf"(name: '{env}',(?:(?!name: ').)*?certificateArn: )''"
        text, count = re.subn(pattern, rf"\1'{CERTIFICATE}'", text, flags=re.S)
    assert count == 1, (file, env)
    path.write_text(text)


@pytest.mark.parametrize("key", list(ALL_KEYS))
def test_the_check_skips_with_a_notice_until_the_setup_is_done(key: str, tmp_path: Path) -> None:
    repo = rendered(key)
    step = _check_step(_workflow(repo))
    assert step["run"] == "scripts/deploy-ready.sh"
    clone = fresh_clone(repo.path, tmp_path / "repo")
    work = tmp_path / "outputs"
    work.mkdir()
    variables = {name: f"value-of-{name.lower()}" for name in step["env"]}

    # A new repository: nothing set. The job succeeds, says what is missing, reports not ready.
    output, stdout = _run_check(clone, step, {}, work)
    assert output == "ready=false\n"
    notice = next(line for line in stdout.splitlines() if line.startswith("::notice "))
    assert "First deploy" in notice
    for name in step["env"]:
        assert f"repository variable {name}" in notice, (name, notice)

    # Where an environment serves HTTPS only (AWS: prod, the domain's), its certificate too.
    wanted = re.findall(r"certificate_?[aA]rn (?:of (\w+) in|in) (\S+)", notice)
    output, stdout = _run_check(clone, step, variables, work)
    if repo.cloud == "aws" and ("prod" in repo.environments or repo.answers["domain_name"]):
        assert output == "ready=false\n", stdout
        assert wanted and "repository variable" not in stdout, stdout
        for env_or_blank, file in wanted:
            env = env_or_blank or file.split("/")[2]
            _set_certificate(clone, file, env)
        output, stdout = _run_check(clone, step, variables, work)
    assert output == "ready=true\n", stdout
    assert "::notice" not in stdout
