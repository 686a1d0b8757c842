"""A small versioned Copier template (a git repository with release tags) for update tests.

svcforge's update logic does not depend on what the template renders, so most update tests use
this template: it renders in a fraction of a second. Each version changes files in one of the
ways an update has to handle.

- v1.0.0: NOTES.md, GUIDE.md, DROPPED.md, run.sh (executable), README.md, and cache.conf when
  ``cache`` is ``redis``.
- v2.0.0: revises line 11 of NOTES.md and line 3 of GUIDE.md, drops DROPPED.md, adds CHANGES.md,
  changes run.sh.
- v3.0.0: adds the required question ``cost_center`` (no default), used in COSTS.md.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import commit_all, git

NOTES_V1 = "".join(f"Line {i} of the operating notes.\n" for i in range(1, 13))
NOTES_V2 = NOTES_V1.replace("Line 11 of", "Line 11 (revised in v2) of")
GUIDE_V1 = "".join(f"Step {i} of the guide.\n" for i in range(1, 13))
GUIDE_V2 = GUIDE_V1.replace("Step 3 of", "Step 3 (revised in v2) of")

COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml

service_name:
  type: str
  default: demo
  help: Name of the service.
  validator: >-
    {% if not (service_name | regex_search('^[a-z][a-z0-9-]*$')) %}lowercase letters, digits and
    hyphens{% endif %}

cache:
  type: str
  default: redis
  help: Cache.
  choices: [redis, none]

identity:
  type: yaml
  when: false
  default: '{"environments": {"prod": {"names": {"service": "{{ service_name }}-prod"}}}}'
"""

V3_QUESTION = """
cost_center:
  type: str
  help: Cost center to bill (added in v3, no default).
"""


def _write(root: Path, rel: str, text: str, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def build(root: Path) -> Path:
    """Create the template repository at ``root`` with tags v1.0.0, v2.0.0 and v3.0.0."""
    root.mkdir(parents=True)
    t = "template/"
    _write(root, "copier.yml", COPIER_YML)
    _write(
        root,
        t + "{{_copier_conf.answers_file}}.jinja",
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
        "{{ _copier_answers | to_nice_yaml -}}\n",
    )
    _write(root, t + "NOTES.md", NOTES_V1)
    _write(root, t + "GUIDE.md", GUIDE_V1)
    _write(root, t + "DROPPED.md", "Dropped in v2.\n")
    _write(root, t + "run.sh", "#!/bin/sh\necho v1\n", 0o755)
    _write(root, t + "README.md.jinja", "# {{ service_name }}\n\nRendered from the tiny template.\n")
    _write(
        root,
        t + "{% if cache == 'redis' %}cache.conf{% endif %}.jinja",
        "maxmemory 64mb\nmaxmemory-policy allkeys-lru\n",
    )
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "v1")
    git(root, "tag", "v1.0.0")

    _write(root, t + "NOTES.md", NOTES_V2)
    _write(root, t + "GUIDE.md", GUIDE_V2)
    (root / t / "DROPPED.md").unlink()
    _write(root, t + "CHANGES.md", "# Changes\n\nAdded in v2.\n")
    _write(root, t + "run.sh", "#!/bin/sh\necho v2\n", 0o755)
    commit_all(root, "v2")
    git(root, "tag", "v2.0.0")

    _write(root, "copier.yml", COPIER_YML + V3_QUESTION)
    _write(root, t + "COSTS.md.jinja", "Billed to {{ cost_center }}.\n")
    commit_all(root, "v3")
    git(root, "tag", "v3.0.0")
    return root
