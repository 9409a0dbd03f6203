#!/usr/bin/env bash
# Create the project's environment in .venv and install foldcheck with its dev extras.
# The one set-up step for every way of working: a fresh clone, a Remote-SSH host, the dev
# container (postCreateCommand) and CI. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# compat: the editable install is a folder path in a .pth file, which Pylance and other static
# tools follow; setuptools' default for this flat layout is an import hook, which they cannot.
.venv/bin/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat

# Git hooks: the project checks itself on every commit (skipped outside a git checkout).
if git rev-parse --git-dir >/dev/null 2>&1 && [ -f .pre-commit-config.yaml ]; then
    .venv/bin/pre-commit install --install-hooks >/dev/null
fi
version=$(.venv/bin/foldcheck --version)  # fails loudly if the install is broken
echo "$version is set up in .venv"
