"""TechDocs: every variant's README, runbook and docs build with mkdocs and Backstage's
techdocs-core plugin in strict mode (broken links and anchors fail), as TechDocs builds them."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.repo.helpers import ALL_KEYS, computed, rendered
from tests.support import toolchain
from tests.support.tools import IN_CI


def _mkdocs() -> str:
    path = toolchain.from_environment().venv("techdocs") / "bin" / "mkdocs"
    if not path.is_file():
        message = f"{path} is missing; .ci/run creates the techdocs venv"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


def _build(repo: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_mkdocs(), "build", "--strict", "-f", str(repo / "mkdocs.yml"), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="module")
def sites(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """Every variant's TechDocs site, built once (two at a time: each build is one process)."""
    base = tmp_path_factory.mktemp("techdocs")
    repos = {key: rendered(key).path for key in ALL_KEYS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        builds = dict(zip(repos, pool.map(lambda k: _build(repos[k], base / k), repos), strict=True))
    return {key: (base / key, proc) for key, proc in builds.items()}


@pytest.mark.parametrize("key", ALL_KEYS)
def test_docs_build_strictly_with_techdocs_core(
    key: str, sites: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]
) -> None:
    site, proc = sites[key]
    assert proc.returncode == 0, proc.stderr
    repo = rendered(key)
    index = (site / "index.html").read_text()
    runbook = (site / "runbook" / "index.html").read_text()
    values = computed(repo)
    assert f'<h1 id="{values["service_name"]}">' in index
    assert 'href="runbook/"' in index  # README's runbook link, as a page link
    assert values["names"][values["environments"][-1]]["dashboard"] in runbook
    # TechDocs reads its metadata file from the site (techdocs-core writes it).
    assert (site / "techdocs_metadata.json").is_file()


@pytest.mark.parametrize("key", ALL_KEYS)
def test_overview_page_is_the_readme_with_links_relative_to_docs(key: str) -> None:
    repo = rendered(key)
    readme = repo.read("README.md")
    slug = computed(repo)["repository"]

    def relink(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith(("http://", "https://", "mailto:", "#")):
            return match.group(0)
        if target.startswith("docs/"):
            return f"]({target.removeprefix('docs/')})"
        return f"](https://github.com/{slug}/blob/main/{target})"

    assert repo.read("docs/index.md") == re.sub(r"\]\(([^)\s]+)\)", relink, readme)


def test_mkdocs_yml_uses_techdocs_core_and_lists_every_page() -> None:
    repo = rendered("python-both")
    config = yaml.safe_load(repo.read("mkdocs.yml"))
    assert config["plugins"] == ["techdocs-core"]
    assert config["site_name"] == computed(repo)["service_name"]
    pages = sorted(p.name for p in (repo.path / "docs").glob("*.md"))
    assert sorted(next(iter(item.values())) for item in config["nav"]) == pages
    assert config["validation"] == {"anchors": "warn"}  # strict builds fail on a broken anchor


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    """The strict build is a real check: a runbook link to a missing anchor fails it."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(rendered("python-both").path, repo)
    with (repo / "docs" / "runbook.md").open("a") as runbook:
        runbook.write("\nSee [the missing section](#no-such-section).\n")
    proc = _build(repo, tmp_path / "site")
    assert proc.returncode != 0
    assert "no-such-section" in proc.stderr


def test_overview_pages_pass_the_repos_markdownlint() -> None:
    """docs/index.md is Markdown the generated pre-commit hook lints too (with each repo's config)."""
    from tests.support.tools import tool

    files = [str(rendered(key).path / "docs" / "index.md") for key in ALL_KEYS]
    proc = subprocess.run(
        [tool("markdownlint-cli2"), *files], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
