"""Fleet benchmarks: `svcforge status` over many repositories, `svcforge update` of many in parallel.
Prints figures; asserts nothing.

    python benchmarks/fleet_bench.py [--repos 20] [--update-repos 8] [--runs 3]

The repositories are full AWS renders (Terraform and CDK, Python service) of a git copy of this
checkout's template at v1.0.0, each with its own service name; v2.0.0 (cli_bench's) changes the
README and adds a file.

1. `svcforge status` of each repository alone: per-repository median, and one `status` call over
   all of them (with the default --jobs, the number of cores) divided by their number.
2. `svcforge update` of N repositories with --jobs 2 against --jobs 1, alternated, fresh copies
   each run (aim: at least 1.6x faster on 2 cores).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
# A script beside this one, not a package: its paths, git identity and template repository.
from cli_bench import EXAMPLE, SVCFORGE, template_repo  # noqa: E402
from cli_bench import GIT_ENV as ENV  # noqa: E402


def run(cmd: list[str], cwd: Path | None = None, check: bool = True) -> None:
    subprocess.run(cmd, cwd=cwd, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def timed(cmd: list[str], check: bool = True) -> float:
    start = time.perf_counter()
    run(cmd, check=check)
    return time.perf_counter() - start


def render_fleet(template: Path, base: Path, count: int) -> list[Path]:
    repos = []
    for i in range(count):
        dst = base / f"svc-{i:02d}"
        run(
            [
                SVCFORGE,
                "new",
                str(dst),
                "--template",
                str(template),
                "--vcs-ref",
                "v1.0.0",
                "--data-file",
                EXAMPLE,
                "--defaults",
                "--data",
                f"service_name=svc-{i:02d}",
            ]
        )
        run(["git", "init", "-q", "-b", "main"], dst)
        run(["git", "add", "-A"], dst)
        run(["git", "commit", "-qm", "scaffold"], dst)
        repos.append(dst)
    return repos


def show(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"  {label}: median {statistics.median(ms):.0f} ms"
        f" (min {min(ms):.0f}, max {max(ms):.0f}, n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--update-repos", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="svcforge-fleet-bench-"))
    try:
        template = template_repo(work)
        fleet = render_fleet(template, work / "fleet", args.repos)
        print(f"{args.repos} full AWS repositories at v1.0.0 ({os.cpu_count()} cores)")

        print("\n1. svcforge status")
        per_repo = [timed([SVCFORGE, "status", str(repo)]) for repo in fleet]
        show("one repository per call", per_repo)
        whole = [timed([SVCFORGE, "status", *map(str, fleet)]) for _ in range(args.runs)]
        show(f"all {args.repos} in one call, per repository", [t / args.repos for t in whole])

        print(f"\n2. svcforge update of {args.update_repos} repositories, --jobs 2 (A) vs --jobs 1 (B)")
        batch = fleet[: args.update_repos]
        ta, tb = [], []
        for _ in range(args.runs):
            for jobs, times in ((2, ta), (1, tb)):
                copies = []
                for repo in batch:
                    copy = work / f"j{jobs}" / repo.name
                    shutil.rmtree(copy, ignore_errors=True)
                    shutil.copytree(repo, copy, symlinks=True)
                    copies.append(str(copy))
                times.append(timed([SVCFORGE, "update", *copies, "--vcs-ref", "v2.0.0", "--jobs", str(jobs)]))
        show("A --jobs 2", ta)
        show("B --jobs 1", tb)
        ratios = [b / a for a, b in zip(ta, tb, strict=True)]
        print(
            f"  speed-up B/A: median {statistics.median(ratios):.2f}x"
            f" (min {min(ratios):.2f}, max {max(ratios):.2f});"
            " aim >= 1.6x on 2 cores"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
