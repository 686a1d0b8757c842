"""Paired benchmarks of the svcforge CLI. Prints figures; asserts nothing.

    python benchmarks/cli_bench.py [--runs N]

Each pair runs A and B alternately (A B A B ...) after a warm-up, so drift on a shared
machine hits both alike; the ratio is taken pair by pair and the median reported.

1. `svcforge --help`  vs `python -c pass`          (target <= 8x: no Copier import)
2. `svcforge new`     vs plain `copier copy`        (target <= 1.10x, full AWS repo, same template dir)
3. `svcforge update`  vs a fresh `svcforge new`     (target <= 2x, from a tagged git template)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from svcforge.releases import TEMPLATE_PARTS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SVCFORGE = str(BIN / "svcforge")
COPIER = str(BIN / "copier")
EXAMPLE = str(ROOT / "example-answers.yml")
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


def run(cmd: list[str], cwd: Path | None = None) -> None:
    subprocess.run(
        cmd,
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=GIT_ENV,
    )


def timed(action: Callable[[], None], setup: Callable[[], None] | None = None) -> float:
    if setup is not None:
        setup()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def pair(
    label: str,
    a: Callable[[], None],
    b: Callable[[], None],
    runs: int,
    target: float,
    setup_a: Callable[[], None] | None = None,
    setup_b: Callable[[], None] | None = None,
) -> None:
    timed(a, setup_a)
    timed(b, setup_b)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a, setup_a))
        tb.append(timed(b, setup_b))
    ratios = [x / y for x, y in zip(ta, tb, strict=True)]
    verdict = "within" if statistics.median(ratios) <= target else "ABOVE"
    print(f"\n{label}")
    for name, times in (("A", ta), ("B", tb)):
        ms = [t * 1000 for t in times]
        print(f"  {name} median {statistics.median(ms):8.1f} ms   (min {min(ms):.1f}, max {max(ms):.1f})")
    low, mid, high = min(ratios), statistics.median(ratios), max(ratios)
    print(f"  A/B ratio median {mid:.2f}x (min {low:.2f}, max {high:.2f}); target <= {target}x: {verdict}")


def template_repo(base: Path) -> Path:
    """A git copy of this checkout's template with tags v1.0.0 and v2.0.0 (v2 edits two files)."""
    repo = base / "template-git"
    repo.mkdir()
    for part in TEMPLATE_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, repo / part)
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "v1"], repo)
    run(["git", "tag", "v1.0.0"], repo)
    readme = repo / "template" / "README.md.jinja"
    if readme.exists():
        readme.write_text(readme.read_text() + "\nUpdated in template v2.\n")
    (repo / "template" / "CHANGES.md").write_text("# Changes\n\nTemplate v2.\n")
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "v2"], repo)
    run(["git", "tag", "v2.0.0"], repo)
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="svcforge-bench-"))
    try:
        pair(
            "1. `svcforge --help` (A) vs `python -c pass` (B)",
            lambda: run([SVCFORGE, "--help"]),
            lambda: run([sys.executable, "-c", "pass"]),
            args.runs * 2,
            8.0,
        )

        from svcforge.template import render_source

        source = str(render_source())
        out_a, out_b = work / "new-a", work / "new-b"

        def clean() -> None:
            shutil.rmtree(out_a, ignore_errors=True)
            shutil.rmtree(out_b, ignore_errors=True)

        pair(
            "2. `svcforge new` (A) vs `copier copy` of the same template directory (B), full AWS repo",
            lambda: run(
                [
                    SVCFORGE,
                    "new",
                    str(out_a),
                    "--template",
                    source,
                    "--data-file",
                    EXAMPLE,
                    "--defaults",
                ]
            ),
            lambda: run(
                [
                    COPIER,
                    "copy",
                    "--defaults",
                    "--quiet",
                    "--data-file",
                    EXAMPLE,
                    source,
                    str(out_b),
                ]
            ),
            args.runs,
            1.10,
            setup_a=clean,
            setup_b=clean,
        )

        repo = template_repo(work)
        generated = work / "generated-v1"
        run(
            [
                SVCFORGE,
                "new",
                str(generated),
                "--template",
                str(repo),
                "--vcs-ref",
                "v1.0.0",
                "--data-file",
                EXAMPLE,
                "--defaults",
            ]
        )
        run(["git", "init", "-q", "-b", "main"], generated)
        run(["git", "add", "-A"], generated)
        run(["git", "commit", "-qm", "scaffold"], generated)
        updating = work / "updating"
        fresh = work / "fresh"

        def reset_update() -> None:
            shutil.rmtree(updating, ignore_errors=True)
            shutil.copytree(generated, updating, symlinks=True)

        def reset_fresh() -> None:
            shutil.rmtree(fresh, ignore_errors=True)

        pair(
            "3. `svcforge update` v1 -> v2 (A) vs a fresh `svcforge new` at v2 (B), same git template",
            lambda: run([SVCFORGE, "update", str(updating), "--defaults", "--vcs-ref", "v2.0.0"]),
            lambda: run(
                [
                    SVCFORGE,
                    "new",
                    str(fresh),
                    "--template",
                    str(repo),
                    "--vcs-ref",
                    "v2.0.0",
                    "--data-file",
                    EXAMPLE,
                    "--defaults",
                ]
            ),
            args.runs,
            2.0,
            setup_a=reset_update,
            setup_b=reset_fresh,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
