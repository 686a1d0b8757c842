"""Cross-reference check of parsed Terraform: what `terraform validate` would catch first.

For each directory: every ``var.x`` is declared, every ``local.x`` defined, every resource
and data source reference declared; every module call passes only the callee's variables
and all of its required ones, and every ``module.x.y`` names an output the callee has.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from tests.terraform.hcl import MODULE_META, Module

_VAR = re.compile(r"(?<![\w.-])var\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"(?<![\w.-])local\.([A-Za-z_][\w-]*)")
_MODULE = re.compile(r"(?<![\w.-])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_][\w-]*)")
_DATA = re.compile(r"(?<![\w.-])data\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)")
# Resources of every provider the template renders (aws, google, azurerm, azapi, random).
_RESOURCE = re.compile(r"(?<![\w.-])((?:aws|google|azurerm|azapi|random)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def expressions(value: Any) -> Iterator[str]:
    """The ``${...}`` expressions inside a parsed value (templates may hold several)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)
    elif isinstance(value, str):
        start = value.find("${")
        while start != -1:
            depth, index = 0, start + 1
            while index < len(value):
                if value[index] == "{":
                    depth += 1
                elif value[index] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                index += 1
            yield value[start + 2 : index]
            start = value.find("${", index)


def _references(module: Module) -> Iterator[tuple[str, str, re.Match[str]]]:
    for where, body in module.bodies():
        for expression in expressions(body):
            for name, pattern in (
                ("var", _VAR),
                ("local", _LOCAL),
                ("module", _MODULE),
                ("data", _DATA),
                ("resource", _RESOURCE),
            ):
                for match in pattern.finditer(expression):
                    yield where, name, match


def _callee(module: Module, call: dict[str, Any], modules: dict[str, Module]) -> Module | None:
    source = str(call.get("source", ""))
    if not source.startswith("."):
        return None
    return modules.get(posixpath.normpath(posixpath.join(module.path, source)))


def _reference_errors(module: Module, modules: dict[str, Module]) -> list[str]:
    errors: list[str] = []
    for where, kind, match in _references(module):
        if kind == "var" and match.group(1) not in module.variables:
            errors.append(f"{where}: var.{match.group(1)} is not declared")
        elif kind == "local" and match.group(1) not in module.locals:
            errors.append(f"{where}: local.{match.group(1)} is not defined")
        elif kind == "data" and (match.group(1), match.group(2)) not in module.data:
            errors.append(f"{where}: data.{match.group(1)}.{match.group(2)} is not declared")
        elif kind == "resource" and (match.group(1), match.group(2)) not in module.resources:
            errors.append(f"{where}: {match.group(1)}.{match.group(2)} is not declared")
        elif kind == "module":
            name, output = match.group(1), match.group(2)
            call = module.calls.get(name)
            if call is None:
                errors.append(f"{where}: module.{name} is not called here")
                continue
            callee = _callee(module, call, modules)
            if callee is not None and output not in callee.outputs:
                errors.append(f"{where}: module.{name} has no output {output!r}")
    return errors


def check_module(module: Module, modules: dict[str, Module]) -> list[str]:
    """Broken references of one directory, each as ``<dir>: <where>: <problem>``."""
    errors = _reference_errors(module, modules)
    for name, call in module.calls.items():
        callee = _callee(module, call, modules)
        if callee is None:
            errors.append(f"module.{name}: source {call.get('source')!r} is not a parsed module")
            continue
        passed = {key for key in call if key not in MODULE_META and key != "__is_block__"}
        for unknown in sorted(passed - set(callee.variables)):
            errors.append(f"module.{name}: passes {unknown!r}, which {callee.path} does not declare")
        required = {n for n, body in callee.variables.items() if "default" not in body}
        for missing in sorted(required - passed):
            errors.append(f"module.{name}: does not pass required variable {missing!r}")
    return [f"{module.path}: {error}" for error in errors]


def check(modules: dict[str, Module]) -> list[str]:
    """Broken references in every directory."""
    errors: list[str] = []
    for path in sorted(modules):
        errors.extend(check_module(modules[path], modules))
    return errors
