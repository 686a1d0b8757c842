"""package-lock.json templates: one JSON document whose members carry store conditions.

npm writes ``JSON.stringify(lock, null, 2)``; the template is that text for the full choice with
each member an unchosen store does not need inside ``{%- if <condition> %},`` ... ``{%- endif
%}`` (the separating comma inside), so every choice renders exactly npm's file.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.lockfiles.choices import Choice, MergeError, condition, union

SERVICE_NAME = "{{ service_name }}"
_PLACEHOLDER = "__SVCFORGE_SERVICE_NAME__"


def _dump(value: Any, indent: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)


def _value(values: dict[Choice, Any], indent: int, where: str) -> str:
    """The text of one JSON value whose line is indented by ``indent``, for the choices holding it."""
    first = next(iter(values.values()))
    if all(v == first for v in values.values()):
        return _dump(first, indent)
    if not all(isinstance(v, dict) for v in values.values()):
        found = {json.dumps(v)[:60] for v in values.values()}
        raise MergeError(f"{where}: the store choices resolve different values: {sorted(found)}")
    within = frozenset(values)
    members: list[tuple[str, str | None]] = []
    for key in union([list(v) for v in values.values()]):
        holders = {c: v[key] for c, v in values.items() if key in v}
        text = " " * (indent + 2) + json.dumps(key) + ": " + _value(holders, indent + 2, f"{where}/{key}")
        members.append((text, condition(holders, within)))
    if members[0][1] is not None:
        raise MergeError(f"{where}: its first member {members[0][0].strip()[:60]} is not in every choice")
    out = "{\n" + members[0][0]
    for text, kept in members[1:]:
        out += f"\n{{%- if {kept} %}},\n{text}\n{{%- endif %}}" if kept else ",\n" + text
    return out + "\n" + " " * indent + "}"


def merge(locks: dict[Choice, str], service_name: str | None = None) -> str:
    """One template for the lock files of each choice; ``service_name`` becomes ``{{ service_name }}``."""
    parsed: dict[Choice, Any] = {}
    for choice, text in locks.items():
        lock = json.loads(text)
        if service_name is not None:
            for holder in (lock, lock["packages"][""]):
                if holder.get("name") != service_name:
                    raise MergeError(f"the lock file names {holder.get('name')!r}, not {service_name!r}")
                holder["name"] = _PLACEHOLDER
        parsed[choice] = lock
    text = _value(parsed, 0, "package-lock.json") + "\n"
    if service_name is not None and service_name in text:
        raise MergeError(f"{service_name!r} appears in the lock file beyond its name")
    return text.replace(_PLACEHOLDER, SERVICE_NAME)
