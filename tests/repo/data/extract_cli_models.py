"""Regenerate cli_models.json.gz: the gcloud and az commands and options the generated runbooks,
READMEs, workflows and scripts may use, taken from the real CLIs.

    python tests/repo/data/extract_cli_models.py --gcloud-tree <sdk>/data/cli/gcloud_completions.py \
        --az <venv>/bin/az [rendered repo ...]

gcloud: the static completion tree that ships with the Cloud SDK (every command, every flag and
whether it is a boolean), pruned to the command groups in GCLOUD_GROUPS. az: the options of each
command listed by ``az <command> --help``, for AZ_COMMANDS plus every ``az`` command found in
the given rendered repositories (a pip-installed ``azure-cli`` is enough; no sign-in needed).
Versions used for the checked-in file: Google Cloud SDK 528.0.0, azure-cli 2.91.0.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.repo.clicheck import commands_in_repo  # noqa: E402

GCLOUD_GROUPS = (
    "alpha monitoring",
    "artifacts",
    "auth",
    "compute addresses",
    "compute backend-services",
    "compute ssl-certificates",
    "iam",
    "logging",
    "monitoring",
    "redis",
    "run",
    "secrets",
    "services",
    "sql",
    "storage",
)
AZ_COMMANDS = (
    "account show",
    "account set",
    "acr login",
    "containerapp env certificate list",
    "containerapp hostname list",
    "containerapp ingress traffic set",
    "containerapp logs show",
    "containerapp replica list",
    "containerapp revision activate",
    "containerapp revision copy",
    "containerapp revision list",
    "containerapp revision restart",
    "containerapp revision show",
    "containerapp show",
    "containerapp update",
    "group create",
    "identity federated-credential create",
    "keyvault secret list-versions",
    "keyvault secret show",
    "monitor log-analytics workspace show",
    "monitor metrics alert list",
    "monitor metrics alert show",
    "monitor metrics list",
    "postgres flexible-server backup list",
    "postgres flexible-server parameter show",
    "postgres flexible-server restart",
    "postgres flexible-server restore",
    "postgres flexible-server show",
    "postgres flexible-server update",
    "redis list-keys",
    "redis regenerate-keys",
    "redis show",
    "redis update",
    "resource list",
    "rest",
    "storage account create",
    "storage container create",
)


def gcloud_model(tree_file: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("gcloud_completions", tree_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = module.STATIC_COMPLETION_CLI_TREE
    pruned: dict[str, Any] = {"commands": {}, "flags": tree["flags"]}
    for group in GCLOUD_GROUPS:
        source, target = tree, pruned
        words = group.split()
        for index, word in enumerate(words):
            source = source["commands"][word]
            if index == len(words) - 1:
                target["commands"][word] = source
            else:
                target = target["commands"].setdefault(word, {"commands": {}, "flags": source["flags"]})
    return pruned


def az_options(az: str, command: str) -> list[str]:
    env = {**os.environ, "AZURE_CORE_COLLECT_TELEMETRY": "no", "AZURE_CORE_NO_COLOR": "true"}
    result = subprocess.run(
        [az, *command.split(), "--help"], capture_output=True, text=True, check=False, env=env
    )
    text = result.stdout
    if "Arguments" not in text:
        raise SystemExit(f"az {command}: no such command\n{result.stderr[-500:]}")
    options = set(re.findall(r"^\s{4}(--[a-z0-9-]+)", text, flags=re.M))
    # Aliases listed after the main name, e.g. "--name -n" or "--resource-group --group".
    for line in re.findall(r"^\s{4}--[a-z0-9-]+[^\n:]*", text, flags=re.M):
        options.update(re.findall(r"(--[a-z0-9-]+)", line.split(" : ")[0]))
    return sorted(options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gcloud-tree", type=Path, required=True)
    parser.add_argument("--az", required=True)
    parser.add_argument("repos", nargs="*", type=Path)
    args = parser.parse_args()
    commands = set(AZ_COMMANDS)
    for repo in args.repos:
        for words in commands_in_repo(repo, "az"):
            path = []
            for word in words[1:6]:
                if word.startswith("-"):
                    break
                path.append(word)
            commands.add(" ".join(path))
    az: dict[str, list[str]] = {}
    for command in sorted(commands):
        # The longest prefix that is a command: "monitor metrics list" of "monitor metrics list x".
        parts = command.split()
        for end in range(len(parts), 0, -1):
            candidate = " ".join(parts[:end])
            try:
                az[candidate] = az_options(args.az, candidate)
                break
            except SystemExit:
                continue
    model = {"gcloud": gcloud_model(args.gcloud_tree), "az": az}
    with gzip.open(HERE / "cli_models.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(model, handle, sort_keys=True, separators=(",", ":"))
    print(f"gcloud groups: {len(GCLOUD_GROUPS)}, az commands: {len(az)}")


if __name__ == "__main__":
    main()
