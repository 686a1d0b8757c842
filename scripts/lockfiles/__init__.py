"""Lock-file templates of svcforge's template, built from what npm, Cargo and uv resolve.

``scripts/relock`` renders each real variant, runs the resolver on its manifest and merges the
results of every store choice into one template per lock file (see docs/development.md, "Lock
files"). The modules here hold the merging: ``choices`` (store choices and the Jinja conditions
that select them), ``npm``, ``cargo`` and ``uv`` (one merger per lock-file format).
"""
