"""Every lock file of the template is what its manifests resolve to (`scripts/relock --check`).

The check renders each real variant, runs npm, Cargo and uv (the versions .ci/toolchain.toml
pins) on the rendered manifests with the committed locks as input, and compares the merged
templates with the committed ones. A missing or drifted resolver fails it: relock exits 2. The
other tests drive relock's mergers and its reporting on small lock files.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.render import ROOT

RELOCK = ROOT / "scripts" / "relock"


def _load() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("scripts_relock", str(RELOCK))
    spec = importlib.util.spec_from_loader("scripts_relock", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


relock = _load()

from scripts.lockfiles import cargo, npm, uv  # noqa: E402
from scripts.lockfiles.choices import CHOICES, FULL, Choice, MergeError, render  # noqa: E402

TEMPLATES = 11  # TypeScript service x 3 clouds, CDK, Rust service (every cloud), Python x 3 clouds x 2 files


def test_committed_lock_files_are_what_the_manifests_resolve_to() -> None:
    proc = subprocess.run(
        [sys.executable, str(RELOCK), "--check"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("up to date") == TEMPLATES, proc.stdout


def test_every_lock_file_of_the_template_is_regenerated() -> None:
    assert relock.uncovered() == []
    templates = [path for job in relock.jobs() for path in job.locks.values()]
    assert len(templates) == len(set(templates)) == TEMPLATES
    assert all(path.is_file() for path in templates)


def test_manifests_read_only_the_answers_relock_varies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert relock.unvaried() == []
    manifest = tmp_path / "package.json.jinja"
    manifest.write_text('{"name": "{{ service_name }}"{% if cpu > 512 %}, "x": 1{% endif %}}')
    job = relock.Job("npm", "aws", "typescript", "service", {}, (manifest,))
    monkeypatch.setattr(relock, "jobs", lambda: iter([job]))
    assert relock.unvaried() == [f"{manifest} reads 'cpu', which relock does not vary"]
    assert relock.main(["--check"]) == 2


def test_a_stale_lock_file_is_named_with_its_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cdk = next(job for job in relock.jobs() if job.directory == "cdk")
    lock = json.loads(cdk.locks["package-lock.json"].read_text())
    lock["packages"][""]["dependencies"]["constructs"] = "10.0.0"
    stale = tmp_path / "package-lock.json"
    stale.write_text(json.dumps(lock, indent=2) + "\n")
    job = relock.Job("npm", "aws", "python", "cdk", {"package-lock.json": stale}, cdk.manifests, (FULL,))
    monkeypatch.setattr(relock, "jobs", lambda: iter([job]))
    monkeypatch.setattr(relock, "uncovered", list)
    assert relock.main(["--check"]) == 1
    out, err = capsys.readouterr()
    assert f"stale       {stale}" in out
    assert f"{stale}: -1 +1 lines" in err
    assert '    - "constructs": "10.0.0"\n    + "constructs": "10.8.1"' in err
    assert "10.0.0" in stale.read_text(), "--check wrote the file"


def test_a_missing_resolver_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCFORGE_CI_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(relock.RelockError, match="uv is missing"):
        relock.pinned_tools(["uv"])


# -- the mergers -------------------------------------------------------------------------------------


def _npm_lock(choice: Choice) -> dict[str, Any]:
    postgres, redis = choice
    deps = {
        "express": "5.3.0",
        **({"pg": "8.1.0"} if postgres else {}),
        **({"redis": "6.3.1"} if redis else {}),
    }
    packages: dict[str, Any] = {
        "": {"name": "svc", "version": "0.1.0", "dependencies": deps},
        "node_modules/express": {"version": "5.3.0", "license": "MIT"},
    }
    if postgres or redis:
        packages["node_modules/cluster-key-slot"] = {"version": "1.1.2"}
    if postgres:
        packages["node_modules/pg"] = {"version": "8.1.0", "dependencies": {"cluster-key-slot": "^1"}}
    if redis:
        packages["node_modules/redis"] = {"version": "6.3.1", "dependencies": {"cluster-key-slot": "^1"}}
    return {"name": "svc", "version": "0.1.0", "lockfileVersion": 3, "packages": packages}


def test_npm_merge_renders_each_choices_lock_file() -> None:
    locks = {c: json.dumps(_npm_lock(c), indent=2) + "\n" for c in CHOICES}
    template = npm.merge(locks, "svc")
    assert '"name": "{{ service_name }}"' in template and "svc" not in template
    assert '{%- if use_postgres or use_redis %},\n    "node_modules/cluster-key-slot"' in template
    for choice, expected in locks.items():
        assert render(template, choice, service_name="svc") == expected


def test_npm_merge_refuses_what_a_template_cannot_say() -> None:
    locks = {c: _npm_lock(c) for c in CHOICES}
    locks[FULL]["packages"]["node_modules/express"]["version"] = "5.2.0"
    with pytest.raises(MergeError, match="node_modules/express/version"):
        npm.merge({c: json.dumps(lock) for c, lock in locks.items()}, "svc")
    with pytest.raises(MergeError, match="names 'svc', not 'other'"):
        npm.merge({FULL: json.dumps(_npm_lock(FULL))}, "other")


def _cargo_lock(choice: Choice) -> str:
    postgres, redis = choice
    registry = 'source = "registry+https://github.com/rust-lang/crates.io-index"'
    entries = {
        "axum": f'[[package]]\nname = "axum"\nversion = "0.8.1"\n{registry}\nchecksum = "aa"',
        "redis": f'[[package]]\nname = "redis"\nversion = "0.32.0"\n{registry}\nchecksum = "bb"',
        "sqlx": f'[[package]]\nname = "sqlx"\nversion = "0.8.6"\n{registry}\nchecksum = "cc"',
    }
    deps = ['"axum",', *(['"redis",'] if redis else []), *(['"sqlx",'] if postgres else [])]
    service = '[[package]]\nname = "service"\nversion = "0.1.0"\ndependencies = [\n' + "".join(
        f" {dep}\n" for dep in deps
    )
    kept = ["axum", *(["redis"] if redis else []), "service", *(["sqlx"] if postgres else [])]
    chunks = [entries.get(name) or service + "]" for name in kept]
    return "# This file is automatically @generated by Cargo.\nversion = 4\n\n" + "\n\n".join(chunks) + "\n"


def test_one_cargo_lock_serves_every_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Rust service's Cargo.lock is resolved on one cloud and must be what Cargo keeps on
    the others; a cloud whose render changes it fails relock, naming the cloud and the change."""
    (job,) = [job for job in relock.jobs() if job.ecosystem == "cargo"]
    assert job.clouds == relock.CLOUDS and job.locks == {
        "Cargo.lock": relock._service("rust") / "Cargo.lock.jinja"
    }
    extra = {"gcp": ""}  # what each cloud's render adds to the lock Cargo writes

    def resolve(work: Path, tools: object) -> None:  # stands in for `cargo tree`
        (work / "Cargo.lock").write_text(
            (work / "Cargo.toml").read_text() + extra.get(work.name.split("-")[-2], "")
        )

    def get(cloud: str, language: str, choice: Choice) -> Path:
        service = tmp_path / "renders" / f"{cloud}-{int(choice[0])}{int(choice[1])}" / "service"
        service.mkdir(parents=True, exist_ok=True)
        (service / "Cargo.toml").write_text(_cargo_lock(choice))  # the fake's manifest: its lock
        return service.parent

    monkeypatch.setitem(relock.RESOLVERS, "cargo", resolve)
    renders = relock.Renders(tmp_path / "renders")
    monkeypatch.setattr(renders, "get", get)
    fake = relock.Job(
        "cargo",
        "aws",
        "rust",
        "service",
        {"Cargo.lock": tmp_path / "Cargo.lock.jinja"},
        (),
        shared=("gcp", "azure"),
    )
    (template,) = relock.regenerate(fake, renders, {}, tmp_path / "ok").values()
    assert template == cargo.merge({c: _cargo_lock(c) for c in CHOICES})
    extra["gcp"] = '\n[[package]]\nname = "google-cloud-auth"\nversion = "1.19.0"\n'
    with pytest.raises(
        MergeError,
        match=r"(?s)but gcp \(database=postgres cache=redis\) resolves it differently from aws"
        r".*google-cloud-auth",
    ):
        relock.regenerate(fake, renders, {}, tmp_path / "stale")


def test_cargo_merge_renders_each_choices_lock_file() -> None:
    locks = {c: _cargo_lock(c) for c in CHOICES}
    template = cargo.merge(locks)
    assert '{% if use_redis %}\n\n[[package]]\nname = "redis"' in template
    for choice, expected in locks.items():
        assert render(template, choice) == expected


def _requirements(choice: Choice) -> str:
    postgres, redis = choice
    blocks = ["anyio==4.16.0 \\\n    --hash=sha256:aa"]
    if postgres:
        blocks += ["psycopg==3.3.9 \\\n    --hash=sha256:bb", "psycopg-pool==3.3.3 \\\n    --hash=sha256:cc"]
    if redis:
        blocks.append("redis==8.1.0 \\\n    --hash=sha256:dd \\\n    --hash=sha256:ee")
    return "# autogenerated by uv\n#    uv pip compile requirements.in\n" + "\n".join(blocks) + "\n"


def test_uv_merge_renders_each_choices_requirements() -> None:
    locks = {c: _requirements(c) for c in CHOICES}
    template = uv.merge(locks)
    assert template.count("{% if use_postgres -%}") == 1, "consecutive blocks share one condition"
    for choice, expected in locks.items():
        assert render(template, choice) == expected
    locks[FULL] = locks[FULL].replace("anyio==4.16.0", "anyio==4.17.0")
    with pytest.raises(MergeError, match="anyio: the store choices pin it differently"):
        uv.merge(locks)
