#!/usr/bin/env bash
# Bring this repository to the newest release of its svcforge template, commit the update on one
# branch and open (or refresh) one pull request with the report. Conflicts are committed as
# markers and listed in the pull request; `--check-markers` fails while any remain.
# .github/workflows/template-update.yml runs this; it also runs anywhere with git, Python 3.11+
# and the GitHub CLI (gh), signed in.
#
#   scripts/template-update.sh                  update, push the branch, open or refresh the PR
#   scripts/template-update.sh --check-markers  exit 1 if a tracked file holds conflict markers
#
# Environment (all optional):
#   BRANCH           the pull request's branch (default: svcforge/template-update)
#   BASE             the branch it targets (default: the current branch)
#   REMOTE           the remote to push to (default: origin)
#   TEMPLATE_SOURCE  where releases are read (default: _src_path in .copier-answers.yml)
#   SVCFORGE         the svcforge command to run (default: the newest release, installed into a venv)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

check_markers() {
  local found
  if found=$(git grep -nE '^(<<<<<<<|>>>>>>>)( |$)' -- .); then
    printf 'Unresolved conflict markers (resolve them, then commit):\n%s\n' "$found" >&2
    exit 1
  fi
  echo "No conflict markers."
}

if [ "${1:-}" = "--check-markers" ]; then
  check_markers
  exit 0
fi

answer() { sed -n "s/^$1: *//p" .copier-answers.yml | head -n 1 | tr -d "'\""; }

BRANCH=${BRANCH:-svcforge/template-update}
BASE=${BASE:-$(git rev-parse --abbrev-ref HEAD)}
REMOTE=${REMOTE:-origin}
SOURCE=${TEMPLATE_SOURCE:-$(answer _src_path)}
CURRENT=$(answer _commit)

LATEST=$(git ls-remote --tags --refs "$SOURCE" 'v*' | sed 's#.*refs/tags/##' \
  | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1 || true)
if [ -z "$LATEST" ]; then
  echo "No release tags (vX.Y.Z) at $SOURCE." >&2
  exit 1
fi
if [ "$LATEST" = "$CURRENT" ]; then
  echo "Up to date: template $CURRENT is the newest release of $SOURCE."
  exit 0
fi

if [ -z "${SVCFORGE:-}" ]; then
  # svcforge is released from the template's own repository: install that release.
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/svcforge-$LATEST"
  python3 -m venv "$venv"
  case "$SOURCE" in
    /*) url="git+file://$SOURCE@$LATEST" ;;
    *) url="git+$SOURCE@$LATEST" ;;
  esac
  "$venv/bin/python" -m pip install --quiet "$url"
  SVCFORGE="$venv/bin/svcforge"
fi

# The branch is made anew from the base on each run, so the pull request always shows one update.
git branch -D "$BRANCH" >/dev/null 2>&1 || true
report=$(mktemp)
status=0
"$SVCFORGE" update --vcs-ref "$LATEST" --template "$SOURCE" --branch "$BRANCH" --defaults --json >"$report" || status=$?
if [ "$status" != 0 ] && [ "$status" != 3 ]; then
  cat "$report" >&2
  exit "$status"
fi
if ! git rev-parse -q --verify "refs/heads/$BRANCH" >/dev/null; then
  echo "Nothing to update: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["status"])' "$report")."
  exit 0
fi
git push --force --quiet "$REMOTE" "$BRANCH"

title="Update the svcforge template to $LATEST"
body=$(python3 - "$report" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1]))
lines = [
    f"`svcforge update` moved this repository from template **{report['from']}** to **{report['to']}** "
    f"({report['source']}).",
    "",
]
if report["conflicts"]:
    lines += ["### Conflicts to resolve", "", "Their markers are committed; the `conflict markers` check fails until they are gone.", ""]
    lines += [f"- [ ] `{c['path']}` ({c['kind']}): {c.get('note', '')}" for c in report["conflicts"]]
    lines.append("")
if report["answers"]:
    lines += ["### Answers changed", ""]
    lines += [f"- `{k}`: {v['from']!r} -> {v['to']!r}" for k, v in report["answers"].items()]
    lines.append("")
lines += ["### Files", ""]
lines += [
    f"- {f['status']} `{f['path']}`" + (f" ({f['kind']})" if f.get("kind") else "")
    for f in report["files"]
    if f["status"] != "conflict"
]
print("\n".join(lines))
PY
)
number=$(gh pr list --head "$BRANCH" --state open --json number --jq '.[0].number // empty')
if [ -n "$number" ]; then
  gh pr edit "$number" --title "$title" --body "$body"
  echo "Refreshed pull request #$number."
else
  gh pr create --head "$BRANCH" --base "$BASE" --title "$title" --body "$body"
fi
git switch --quiet "$BASE"
