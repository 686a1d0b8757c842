"""Make the TypeScript service's package-lock templates drop what an unchosen store needs.

The template keeps one npm lockfile per cloud (``{% if on_<cloud> %}package-lock.json{% endif
%}.jinja``) resolved with every store's client (``pg``, ``@types/pg``, ``redis``). This script
marks each entry that only a store's client reaches with ``{%- if use_postgres %}`` or ``{%- if
use_redis %}``, so a render without that store has exactly the lockfile npm would write for its
package.json, and no trace of the store. Run it after regenerating a lockfile with every store
(``npm install --package-lock-only`` on a full render, then copy it back with the service name
replaced by ``{{ service_name }}``):

    python tests/services/data/split_package_lock.py

It reads the committed templates (their conditions are stripped first, so it is idempotent) and
rewrites them in place. Entries are kept in npm's order and format (``JSON.stringify(lock,
null, 2)``), with the separating comma inside each condition.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SERVICE = ROOT / "template" / "{% if language == 'typescript' %}service{% endif %}"
NAME = "{{ service_name }}"
PLACEHOLDER = "__SERVICE_NAME__"
# Root dependencies that exist only for a store, and the condition that keeps them.
STORES: dict[str, tuple[str, ...]] = {
    "use_postgres": ("pg", "@types/pg"),
    "use_redis": ("redis",),
}
DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def _resolve(packages: dict[str, Any], parent: str, name: str) -> str | None:
    """The lock key npm resolves ``name`` to when required from the package at ``parent``."""
    base = parent
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def _reachable(packages: dict[str, Any], excluded: set[str]) -> set[str]:
    root = packages[""]
    queue = [
        key
        for field in ("dependencies", "devDependencies", "optionalDependencies")
        for name in root.get(field, {})
        if name not in excluded and (key := _resolve(packages, "", name))
    ]
    seen: set[str] = set()
    while queue:
        key = queue.pop()
        if key in seen:
            continue
        seen.add(key)
        for field in DEPENDENCY_FIELDS:
            for name in packages[key].get(field, {}):
                found = _resolve(packages, key, name)
                if found and found not in seen:
                    queue.append(found)
    return seen


def _conditions(packages: dict[str, Any]) -> dict[str, str]:
    """Lock key -> the Jinja condition that keeps it (entries every render needs are absent)."""
    every = _reachable(packages, set())
    stray = set(packages) - every - {""}
    if stray:
        raise SystemExit(f"entries nothing reaches: {sorted(stray)}")
    conditions: dict[str, str] = {}
    without = {flag: _reachable(packages, set(names)) for flag, names in STORES.items()}
    for key in every:
        needed_by = [flag for flag, kept in without.items() if key not in kept]
        if needed_by:
            conditions[key] = " or ".join(needed_by)
    return conditions


def _member(key: str, value: Any, indent: int) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)
    return f"{' ' * indent}{json.dumps(key)}: {text}"


def _object(members: list[tuple[str, str | None]], indent: int) -> str:
    """A JSON object from (member text, condition) pairs; the first member is unconditional."""
    first, condition = members[0]
    assert condition is None, "the first member must be unconditional"
    out = "{\n" + first
    for text, condition in members[1:]:
        if condition:
            out += f"\n{{%- if {condition} %}},\n{text}\n{{%- endif %}}"
        else:
            out += ",\n" + text
    return out + "\n" + " " * (indent - 2) + "}"


def _root_entry(root: dict[str, Any]) -> str:
    flags = {name: flag for flag, names in STORES.items() for name in names}
    members = []
    for key, value in root.items():
        if key in ("dependencies", "devDependencies"):
            inner = [(_member(name, version, 8), flags.get(name)) for name, version in value.items()]
            members.append((f'      "{key}": ' + _object(inner, 8), None))
        else:
            members.append((_member(key, value, 6), None))
    return '    "": ' + _object(members, 6)


def split(text: str) -> str:
    plain = re.sub(r"\n\{%-? (?:if [^%]+|endif) %\}", "", text)
    plain = re.sub(r"\{%-? if [^%]+ %\},", ",", plain)
    lock = json.loads(plain.replace(NAME, PLACEHOLDER))
    packages: dict[str, Any] = lock["packages"]
    conditions = _conditions(packages)
    entries = [(_root_entry(packages[""]), None)]
    entries += [(_member(key, value, 4), conditions.get(key)) for key, value in packages.items() if key]
    top = []
    for key, value in lock.items():
        if key == "packages":
            top.append(('  "packages": ' + _object(entries, 4), None))
        else:
            top.append((_member(key, value, 2), None))
    return (_object(top, 2) + "\n").replace(PLACEHOLDER, NAME)


def main() -> int:
    for cloud in ("aws", "gcp", "azure"):
        path = SERVICE / f"{{% if on_{cloud} %}}package-lock.json{{% endif %}}.jinja"
        path.write_text(split(path.read_text()))
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
