"""The first push is green: a generated repository's own CI, Makefile and pre-commit hooks run
as written, from a fresh clone, with the tool versions they pin."""
