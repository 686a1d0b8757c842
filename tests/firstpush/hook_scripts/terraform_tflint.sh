#!/usr/bin/env bash
# What pre-commit-terraform v1.96.1's terraform_tflint hook does, offline: tflint in each
# directory that holds a file pre-commit passes (`tflint --init` first, then `--chdir`).
set -uo pipefail
status=0
tflint --init >/dev/null || exit 1
for dir in $(for file in "$@"; do dirname "$file"; done | sort -u); do
  tflint --chdir="$dir" --format compact || status=1
done
exit "$status"
