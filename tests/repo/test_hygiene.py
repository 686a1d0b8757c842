"""The generated repository's own hygiene: workflows, pre-commit, CODEOWNERS, Makefile,
whitespace, and no seed placeholder anywhere."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import tomllib
from typing import Any

import pytest
import yaml

from tests.repo.helpers import ALL_KEYS, OWNED_FILES, Rendered, computed, output_files, rendered
from tests.support.render import SEED_PLACEHOLDERS

KEYS = list(ALL_KEYS)
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


@pytest.fixture(scope="module", params=KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def workflow(repo: Rendered, name: str) -> dict[Any, Any]:
    data = yaml.safe_load(repo.read(f".github/workflows/{name}"))
    assert isinstance(data, dict)
    return data


def steps(flow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in flow["jobs"].values() for step in job.get("steps", [])]


def test_owned_files_exist(repo: Rendered) -> None:
    missing = [rel for rel in OWNED_FILES if not (repo.path / rel).is_file()]
    assert missing == []
    assert os.access(repo.path / "scripts/smoke-test.sh", os.X_OK)


def test_no_seed_placeholder_or_todo_in_any_output_file(repo: Rendered) -> None:
    found = []
    for path in output_files(repo.path):
        if path.name == ".copier-answers.yml":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(repo.path)
        found += [f"{rel}: {p}" for p in SEED_PLACEHOLDERS if p in text]
        if re.search(r"\bTODO\b", text):
            found.append(f"{rel}: TODO")
    assert found == []


def test_owned_files_are_whitespace_clean(repo: Rendered) -> None:
    for rel in OWNED_FILES:
        text = repo.read(rel)
        assert text.endswith("\n") and not text.endswith("\n\n"), rel
        assert "\n\n\n" not in text, rel
        bad = [i for i, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
        assert bad == [], (rel, bad)


def test_codeowners_names_the_owning_team(repo: Rendered) -> None:
    lines = [line for line in repo.read(".github/CODEOWNERS").splitlines() if not line.startswith("#")]
    assert lines == [f"* @{repo.answers['github_org']}/{repo.answers['owner_team']}"]


def test_workflows_have_minimal_permissions_and_pinned_actions(repo: Rendered) -> None:
    for name in ("ci.yml", "deploy.yml"):
        flow = workflow(repo, name)
        assert flow["permissions"] == {"contents": "read"}, name
        text = repo.read(f".github/workflows/{name}")
        for line in text.splitlines():
            if "uses:" in line:
                ref = line.split("uses:", 1)[1].strip()
                assert PINNED.match(ref), line
        lowered = text.lower()
        assert "aws-access-key-id" not in lowered
        assert "aws_secret_access_key" not in lowered
        # Long-lived Google Cloud and Azure credentials: a key file, a client secret.
        for needle in ("credentials_json", "client-secret", "client_secret", "creds:"):
            assert needle not in lowered, needle
        assert "secrets." not in text
    assert "uses:" in repo.read(".github/workflows/ci.yml")


def test_ci_runs_only_the_chosen_parts(repo: Rendered) -> None:
    flow = workflow(repo, "ci.yml")
    jobs = flow["jobs"]
    assert set(jobs) == {"service", "image", "docs"} | ({"terraform"} if repo.use_terraform else set()) | (
        {"cdk"} if repo.use_cdk else set()
    )
    assert repo.answers["language"] in jobs["service"]["name"]
    runs = "\n".join(step.get("run", "") for step in steps(flow))
    assert "hadolint" in runs
    assert "docker buildx build" in runs
    assert "markdownlint-cli2" in runs and "shellcheck scripts/*.sh" in runs
    if repo.use_terraform:
        for needle in ("terraform fmt -check", "validate", "tflint", "checkov"):
            assert needle in runs, needle
        for env in repo.environments:
            assert f"environments/{env} validate" in runs
    if repo.use_cdk:
        for needle in ("npm ci", "npm test", "cdk synth"):
            assert needle in runs, needle
    services = jobs["service"].get("services", {})
    assert ("postgres" in services) is repo.use_postgres
    assert ("redis" in services) is repo.use_redis
    for service in services.values():
        assert "PASSWORD" not in str(service.get("env", {}))


def test_deploy_uses_oidc_plans_on_prs_and_applies_through_protected_environments(
    repo: Rendered,
) -> None:
    flow = workflow(repo, "deploy.yml")
    on = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert isinstance(on, dict)
    assert set(on) == {"pull_request", "push"}
    assert on["push"]["branches"] == ["main"]
    jobs = flow["jobs"]
    plan = jobs["plan"]
    assert "pull_request" in plan["if"]
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    assert [m["environment"] for m in plan["strategy"]["matrix"]["include"]] == repo.environments
    deploys = [name for name in jobs if name.startswith("deploy-")]
    assert deploys == [f"deploy-{env}" for env in repo.environments]
    expected_env = {"dev": "dev", "staging": "staging", "prod": "production"}
    login_action, login_input, login_value = {
        "aws": ("configure-aws-credentials", "role-to-assume", "${{ vars.AWS_DEPLOY_ROLE_ARN }}"),
        "gcp": (
            "google-github-actions/auth",
            "workload_identity_provider",
            "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
        ),
        "azure": ("azure/login", "client-id", "${{ vars.AZURE_CLIENT_ID }}"),
    }[repo.cloud]
    plan_logins = [s for s in plan["steps"] if login_action in s.get("uses", "")]
    assert len(plan_logins) == 1
    steps_of_all = [s for job in jobs.values() for s in job.get("steps", [])]
    builds = [s for s in steps_of_all if "docker buildx build" in s.get("run", "")]
    assert len(builds) == 1, "the image is built once"
    for env in repo.environments:
        job = jobs[f"deploy-{env}"]
        assert job["environment"] == expected_env[env]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        creds = [s for s in job["steps"] if login_action in s.get("uses", "")]
        assert len(creds) == 1
        assert creds[0]["with"][login_input] == login_value
        runs = "\n".join(s.get("run", "") for s in job["steps"])
        if repo.cloud != "aws":
            assert "${GITHUB_SHA}" in runs.split("docker push", 1)[1].splitlines()[0]
            assert 'terraform plan -input=false -out=tfplan -var "image_tag=${GITHUB_SHA}"' in runs
        if repo.use_terraform:
            assert "terraform apply -input=false tfplan" in runs
            assert "cdk deploy" not in runs
        else:
            assert f'cdk deploy "{env}/*"' in runs
        assert f"scripts/smoke-test.sh {env}" in runs
    for name, job in jobs.items():
        if "id-token" in job.get("permissions", {}):
            assert name == "plan" or name.startswith("deploy-")


def test_pre_commit_config_matches_the_stack(repo: Rendered) -> None:
    config = yaml.safe_load(repo.read(".pre-commit-config.yaml"))
    hooks = {hook["id"]: repo_["repo"] for repo_ in config["repos"] for hook in repo_["hooks"]}
    for hook in ("detect-secrets", "actionlint", "shellcheck", "hadolint", "markdownlint", "openslo"):
        assert hook in hooks, hook
    assert "service-lint" in hooks
    assert ("terraform_fmt" in hooks) is repo.use_terraform
    assert ("cdk-typecheck" in hooks) is repo.use_cdk
    for entry in config["repos"]:
        if entry["repo"] != "local":
            assert re.fullmatch(r"v\d+(\.\d+)+", entry["rev"]), entry


def test_dependabot_watches_the_chosen_ecosystems(repo: Rendered) -> None:
    config = yaml.safe_load(repo.read(".github/dependabot.yml"))
    ecosystems = {(u["package-ecosystem"], u.get("directory", "")) for u in config["updates"]}
    service = {"python": "pip", "typescript": "npm", "rust": "cargo"}[repo.answers["language"]]
    assert ("github-actions", "/") in ecosystems
    assert (service, "/service") in ecosystems
    assert (("npm", "/cdk") in ecosystems) is repo.use_cdk
    assert any(e == "terraform" for e, _ in ecosystems) is repo.use_terraform
    # The OpenTelemetry packages pin each other: one group moves every one the manifest declares
    # (and nothing else) in one pull request.
    updates = {(u["package-ecosystem"], u.get("directory", "")): u for u in config["updates"]}
    patterns = updates[service, "/service"]["groups"]["opentelemetry"]["patterns"]
    declared = _service_dependencies(repo)
    grouped = {name for name in declared if any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    assert grouped == {name for name in declared if "opentelemetry" in name}
    assert len(grouped) >= 3, declared


def _service_dependencies(repo: Rendered) -> set[str]:
    """The package names the service's manifest declares (runtime and development)."""
    language = repo.answers["language"]
    if language == "typescript":
        manifest = json.loads(repo.read("service/package.json"))
        return {*manifest.get("dependencies", {}), *manifest.get("devDependencies", {})}
    if language == "rust":
        manifest = tomllib.loads(repo.read("service/Cargo.toml"))
        return {*manifest.get("dependencies", {}), *manifest.get("dev-dependencies", {})}
    lines = (
        repo.read("service/requirements.in").splitlines()
        + repo.read("service/requirements-dev.in").splitlines()
    )
    return {
        re.split(r"[\s\[=<>~!;]", line.strip(), maxsplit=1)[0] for line in lines if line.strip()[:1].isalnum()
    }


def test_makefile_delegates_to_the_parts(repo: Rendered) -> None:
    text = repo.read("Makefile")
    assert "\t$(MAKE) -C service lint" in text
    assert "\t$(MAKE) -C service test" in text
    assert ("terraform -chdir=terraform/environments" in text) is repo.use_terraform
    # The CDK targets run the app's own npm scripts (its locked tools, installed first: issue 14).
    assert ("cd cdk && npm run --silent synth" in text) is repo.use_cdk
    assert ("$(CDK_MODULES): cdk/package.json cdk/package-lock.json" in text) is repo.use_cdk
    assert "npx tsc" not in text
    # Only the AWS roots take their state bucket at init; the others name their backend.
    assert ("TF_STATE_BUCKET" in text) is (repo.cloud == "aws" and repo.use_terraform)
    assert f"ENVIRONMENTS := {' '.join(repo.environments)}" in text
    for line in text.splitlines():
        assert not line.startswith("    "), line


def test_readme_describes_the_service(repo: Rendered) -> None:
    text = repo.read("README.md")
    a = repo.answers
    assert text.startswith(f"# {a['service_name']}\n")
    for needle in (a["description"], "## Layout", "## Run locally", "## Test", "## Deploy"):
        assert needle in text, needle
    assert "[docs/runbook.md](docs/runbook.md)" in text
    assert ("├── terraform/" in text) is repo.use_terraform
    assert ("├── cdk/" in text) is repo.use_cdk


@pytest.mark.parametrize("key", [k for k in KEYS if rendered(k).cloud != "aws"])
def test_readme_and_ci_describe_the_cloud(key: str) -> None:
    """No AWS content in a Google Cloud or Azure repository's own files; the README names where
    it runs and the first-deploy steps of that cloud."""
    repo = rendered(key)
    names = computed(repo)["names"]
    readme = repo.read("README.md")
    if repo.cloud == "gcp":
        needles = ["Cloud Run", "Artifact Registry", "workload identity federation"]
        needles += [f"`{names[env]['service']}`" for env in repo.environments]
        needles.append(computed(repo)["gcp_state_bucket"])
    else:
        needles = ["Container Apps", "container registry", "federated credential"]
        needles += [f"`{names[env]['container_app']}`" for env in repo.environments]
        needles.append(computed(repo)["azure_state_storage_account"])
    for needle in needles:
        assert needle in readme, needle
    for rel in OWNED_FILES:
        text = repo.read(rel)
        for needle in ("ECS", "ECR", "Fargate", "CloudWatch", "aws", "AWS_[A-Z]", "Secrets Manager"):
            assert not re.search(rf"\b{needle}\b", text), (rel, needle)
