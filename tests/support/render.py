"""Render template variants from the working tree, each distinct answer set once per session."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.support.registry import CLOUDS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ANSWERS: dict[str, Any] = yaml.safe_load((ROOT / "example-answers.yml").read_text())

# Answers that turn the canonical (AWS) answer set into a valid one for each cloud (the registry's).
CLOUD_OVERRIDES: dict[str, dict[str, Any]] = {name: cloud.overrides for name, cloud in CLOUDS.items()}

# An existing VPC with prod's certificate (the one HTTPS-only environment); staging serves plain
# HTTP. The Terraform and CDK tests use the same answers, so they share the rendered repository.
EXISTING_VPC: dict[str, Any] = {
    "vpc_mode": "existing",
    "vpc_id": "vpc-0123456789abcdef0",
    "private_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "public_subnet_ids": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
    "certificate_arn": "arn:aws:acm:eu-west-1:222222222222:certificate/0a1b2c3d-0000-4000-8000-00000000000b",
}
# What the seed's examples left for a human to fill in; no rendered file may hold one.
SEED_PLACEHOLDERS = (
    "[Service Name]",
    "[Team/Individual]",
    "#team-channel",
    "service.example.com",
    "myservice",
)

_CACHE: dict[str, Path] = {}
_BASE = Path(tempfile.mkdtemp(prefix="svcforge-renders-"))


def answers(**overrides: Any) -> dict[str, Any]:
    """The canonical answers with ``overrides`` applied."""
    data = dict(EXAMPLE_ANSWERS)
    data.update(overrides)
    return data


def render_to(dst: Path, **overrides: Any) -> Path:
    """Render into ``dst`` (a new directory) through svcforge's generator and return it."""
    from svcforge.generate import render

    render(answers(**overrides), dst)
    return dst


def cloud_answers(cloud: str, **overrides: Any) -> dict[str, Any]:
    """The canonical answers made valid for ``cloud``, with ``overrides`` applied."""
    return answers(**{**CLOUD_OVERRIDES[cloud], **overrides})


def cloud_variant(cloud: str, **overrides: Any) -> Path:
    """``variant`` for ``cloud`` (see CLOUD_OVERRIDES)."""
    return variant(**{**CLOUD_OVERRIDES[cloud], **overrides})


def computed_values(answer_set: dict[str, Any]) -> dict[str, Any]:
    """Every copier.yml value (answers, defaults, computed names and sizes) for an answer set,
    resolved from copier.yml by svcforge's question engine (Copier's Jinja setup), independently
    of the template, so tests compare rendered files against the source."""
    from svcforge.questions import resolve

    return resolve(answer_set)


@functools.cache
def runbook_anchors() -> dict[str, str]:
    """``runbook_anchors`` of includes/runbook/anchors.jinja (alarm key -> heading slug)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT)), autoescape=False)
    module = env.get_template("includes/runbook/anchors.jinja").module
    anchors: dict[str, str] = module.runbook_anchors  # type: ignore[attr-defined]
    return dict(anchors)


def variant(**overrides: Any) -> Path:
    """Render (once per process) and return the generated repo for these answers.

    Callers must treat the directory as read-only; copy it first to change it.
    """
    key = hashlib.sha256(json.dumps(answers(**overrides), sort_keys=True).encode()).hexdigest()[:16]
    if key not in _CACHE:
        dst = _BASE / key
        if dst.exists():
            shutil.rmtree(dst)
        _CACHE[key] = render_to(dst, **overrides)
    return _CACHE[key]
