#!/bin/sh
# Local fan-out with GNU parallel (Debian package `parallel`): N shards of one
# run, each `oomlab run --shard K/N --out OUT/shard-K`, then
# `oomlab merge OUT/merged OUT/shard-*`.  The exit status is the merge's:
# the merged run's status (0 all PASS/SKIP, 1 a FAIL, 2 an ERROR or a
# shard missing).
#
# Usage: ci/parallel-shards.sh [-n SHARDS] [-j JOBS] [-r REFERENCE] OUT [run options] [SELECTOR...]
#   -n SHARDS     number of shards (default 3)
#   -j JOBS       shards at a time (default: CPUs / 2, at least 1; every shard
#                 runs its guests one at a time, --jobs 1)
#   -r REFERENCE  an unsharded run of the same selection: check that the
#                 merged run has the same scenarios and verdicts (ci/same-run.py)
# OOMLAB=path of the binary (default build/oomlab).
set -u
cd "$(dirname "$0")/.."
OOMLAB=${OOMLAB:-build/oomlab}
SHARDS=3
cpus=$(nproc 2>/dev/null || echo 2)
JOBS=$((cpus / 2 > 0 ? cpus / 2 : 1))
REF=""
while getopts n:j:r: opt; do
	case $opt in
	n) SHARDS=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	r) REF=$OPTARG ;;
	*) sed -n '8,15p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '8,15p' "$0" >&2; exit 2; }
OUT=$1
shift
command -v parallel >/dev/null || { echo "parallel-shards: install GNU parallel (apt-get install parallel)" >&2; exit 2; }
mkdir -p "$OUT" || exit 2
rm -rf "$OUT"/shard-* "$OUT/merged"

echo "parallel-shards: $SHARDS shards, $JOBS at a time, into $OUT"
start=$(date +%s)
# -q: parallel quotes the command's arguments (selectors may hold globs);
# each shard's output goes to OUT/shard-K.log.  A shard that fails
# (exit 1 for a FAIL row) does not stop the others.
parallel -q --jobs "$JOBS" --halt never --joblog "$OUT/parallel.joblog" \
	sh -c 'o=$0 s=$1 d=$2; shift 2; exec "$o" run --quiet --jobs 1 --shard "$s" --out "$d" "$@" >"$d.log" 2>&1' \
	"$OOMLAB" "{}/$SHARDS" "$OUT/shard-{}" "$@" ::: $(seq 1 "$SHARDS")
echo "parallel-shards: the shards took $(($(date +%s) - start)) s; joblog:"
cat "$OUT/parallel.joblog"

# the shard directories there are (merge names a missing one from run.json)
set --
for k in $(seq 1 "$SHARDS"); do
	[ -d "$OUT/shard-$k" ] && set -- "$@" "$OUT/shard-$k"
done
"$OOMLAB" merge "$OUT/merged" "$@"
status=$?
echo "parallel-shards: merge exit $status"
if [ -n "$REF" ]; then
	ci/same-run.py "$REF" "$OUT/merged" || status=3
fi
exit "$status"
