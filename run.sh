#!/bin/sh
# ./run.sh [oomlab run arguments]
# On a fresh Debian 12 machine: install what is missing, build, fetch the
# default guest kernel into the cache, run the default matrix, print the table.
# Exit status is oomlab's: 0 all PASS, 1 a FAIL, 2 an ERROR (or missing deps).
set -eu
cd "$(dirname "$0")"
ci/install-deps.sh
make -s all
build/oomlab fetch >/dev/null
exec build/oomlab run "$@"
