#!/usr/bin/env bash
# What pre-commit-terraform v1.96.1's terraform_fmt hook does, offline: `terraform fmt` on each
# file pre-commit passes. The hook rewrites files (and pre-commit then fails on the change);
# `-check -diff` fails on the same files without touching them.
set -uo pipefail
status=0
for file in "$@"; do
  terraform fmt -check -diff "$file" || status=1
done
exit "$status"
