#!/usr/bin/env bash
# Run the whole test suite (or what the arguments select: they go to pytest as they are).
#
#   ./scripts/test.sh                          embedded: SQLite and the filesystem broker
#   ./scripts/test.sh tests/grievances -x      a part of it
#   DATABASE_URL=postgres://... REDIS_URL=redis://... ./scripts/test.sh
#
# pytest's own options (parallelism, settings module, markers) live in pyproject.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

. scripts/bootstrap.sh dev

# Say which backends this run uses, without printing a password.
mask() { sed -E 's#://[^/@]*:[^/@]*@#://***@#' <<<"$1"; }
echo "==> test: database $(mask "${DATABASE_URL:-SQLite (embedded)}"), broker $(mask "${REDIS_URL:-filesystem (embedded)}")"

exec python -m pytest "$@"
