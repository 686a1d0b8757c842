"""integrations/backstage builds with tsc and its jest tests pass: the svcforge:new action runs the
real svcforge through Backstage's mock action context (same files as `svcforge new`, a bad answer
fails the step with svcforge's message) and the backend module registers it."""

from __future__ import annotations

from tests.backstage.conftest import Exported
from tests.backstage.support import INTEGRATION, build, node, svcforge_bin


def test_tsc_compiles_the_module_its_tests_and_tools_cleanly() -> None:
    assert build() == ""  # tsc prints nothing when there is nothing to report
    assert (INTEGRATION / "dist" / "src" / "index.d.ts").is_file()


def test_jest_suite_runs_the_action_against_real_svcforge(exported: Exported) -> None:
    build()
    output = node(
        "node_modules/jest/bin/jest.js",
        "--ci",
        env={"SVCFORGE_BIN": svcforge_bin(), "SVCFORGE_TEMPLATE_FILE": str(exported.path)},
        timeout=600,
    )
    del output  # jest reports on stderr; a failure fails node() with both streams


def test_the_package_ships_the_module_and_its_config_schema_only() -> None:
    import json
    import subprocess

    from tests.support.tools import tool

    build()
    proc = subprocess.run(
        [tool("npm"), "pack", "--dry-run", "--json"],
        cwd=INTEGRATION,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    files = {f["path"] for f in json.loads(proc.stdout)[0]["files"]}
    assert {"package.json", "README.md", "config.d.ts", "dist/src/index.js", "dist/src/index.d.ts"} <= files
    assert not [f for f in files if f.startswith(("dist/test", "src/", "test/"))]
