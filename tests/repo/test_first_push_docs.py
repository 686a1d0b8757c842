"""What the generated docs promise matches what the repository does (issue 14).

- service/README.md states one integration-test contract and one table of health failure
  classes, word for word the same in every language;
- no Makefile gives the TEST_* variables a default (unset means skipped, not "localhost");
- on AWS, the environments without a required certificate are documented as plain HTTP in
  the IaC README, the runbook and the smoke test alike, and none of them uses --insecure;
- README.md says deploy.yml skips, with a notice, until its one-time setup is done.
"""

from __future__ import annotations

import re

import pytest

from tests.repo.helpers import ALL_KEYS, VARIANTS, Rendered, code_blocks, rendered, section

CLASSES = ("refused", "timeout", "auth", "error")


def _classes_table(readme: str) -> str:
    start = readme.index("A failing check names only its class")
    return readme[start : readme.index("\n\n", readme.index("| `error`", start))]


def _https_envs(repo: Rendered) -> set[str]:
    domain = repo.answers["domain_name"]
    domain_env = ("prod" if "prod" in repo.environments else repo.environments[-1]) if domain else ""
    return {env for env in repo.environments if env in ("prod", domain_env)}


def test_every_language_states_the_same_failure_classes() -> None:
    tables = {key: _classes_table(rendered(key).read("service/README.md")) for key in ALL_KEYS}
    assert len(set(tables.values())) == 1, tables
    table = next(iter(tables.values()))
    for name in CLASSES:
        assert f"| `{name}`" in table


@pytest.mark.parametrize("key", list(ALL_KEYS))
def test_service_readme_states_the_integration_test_contract(key: str) -> None:
    repo = rendered(key)
    readme = repo.read("service/README.md")
    variables = [
        *(["TEST_DATABASE_URL"] if repo.use_postgres else []),
        *(["TEST_REDIS_URL"] if repo.use_redis else []),
    ]
    if not variables:
        assert "every test runs without a server" in readme
        return
    for name in variables:
        assert f"`{name}`" in readme and f"export {name}=" in readme
    assert "skipped with a notice that names it" in readme
    assert "unless `CI` is set (to anything but `false` or `0`" in readme
    makefile = repo.read("service/Makefile")
    assert not re.search(r"^\s*(export\s+)?TEST_[A-Z_]+\s*\??=", makefile, flags=re.M), makefile


@pytest.mark.parametrize("key", list(ALL_KEYS))
def test_readme_shows_the_local_commands_and_the_deploy_gate(key: str) -> None:
    repo = rendered(key)
    readme = repo.read("README.md")
    run = "\n".join(code_blocks(section(readme, "run-locally")))
    assert "make run" in run and "scripts/smoke-test.sh local" in run
    test = "\n".join(code_blocks(section(readme, "test")))
    assert "make lint" in test and "make test" in test
    assert "`deploy.yml` does not fail" in readme and "scripts/deploy-ready.sh" in readme
    smoke = repo.read("scripts/smoke-test.sh")
    assert 'echo "http://127.0.0.1:${PORT:-' in smoke and "BASE_URL" in smoke


@pytest.mark.parametrize("key", [k for k in VARIANTS])
def test_plain_http_environments_are_documented_everywhere(key: str) -> None:
    repo = rendered(key)
    https = _https_envs(repo)
    plain = [env for env in repo.environments if env not in https]
    runbook = repo.read("docs/runbook.md")
    smoke = repo.read("scripts/smoke-test.sh")
    iac_readme = repo.read("terraform/README.md" if repo.use_terraform else "cdk/README.md")
    health = section(runbook, "health-endpoints")
    assert "--insecure" not in runbook + smoke
    http_section = section(iac_readme, "https-and-plain-http")
    for env in plain:
        assert f"`{env}`" in http_section and "plain HTTP" in http_section
        assert f"`{env}`" in health
        block = smoke.split(f"    {env})\n", 1)[1].split(";;", 1)[0]
        assert 'echo "http://$(aws elbv2 describe-load-balancers' in block, block
    for env in https:
        block = smoke.split(f"    {env})\n", 1)[1].split(";;", 1)[0]
        assert "https://" in block and "http://" not in block, block
    if plain:
        assert '"http://${ALB_DNS}/health/live"' in health
    if repo.use_terraform:
        for env in repo.environments:
            tfvars = repo.read(f"terraform/environments/{env}/terraform.tfvars")
            if env in https:
                assert f"Required before the first apply: {env} serves HTTPS only" in tfvars or (
                    'certificate_arn = "arn:' in tfvars
                )
            else:
                assert "serves plain HTTP on its DNS name" in tfvars
