#!/bin/sh
# ci/slurm-array.sh for real, on a single-node Slurm on this machine (Debian
# slurm-wlm and munge, as root): starts munged, slurmctld and slurmd when they
# are not running (config: ci/slurm/slurm.conf rendered into build/slurm/),
# submits a 3-task array over SELECTION, waits, merges the shards with
# `oomlab merge`, runs the same selection unsharded (or takes -r REFERENCE)
# and checks that both hold the same scenarios with the same verdicts
# (ci/same-run.py).  Exit 0 when they do.
#
# Usage: ci/slurm-test.sh [-r REFERENCE] [-k] [--] [run options] [SELECTOR...]
#   -r REFERENCE  an unsharded run of the same selection to compare with
#   -k            stop the daemons this script started when done
#   run options (after --, e.g. -- --no-snapshot SEL...) go to every run;
#   without arguments: nine scenarios of the default matrix
# OOMLAB=path of the binary (default build/oomlab); the runs go to
# build/slurm/runs/slurm-JOBID/.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OOMLAB=${OOMLAB:-$ROOT/build/oomlab}
DIR=$ROOT/build/slurm
REF=""
STOP=0
while getopts r:k opt; do
	case $opt in
	r) REF=$OPTARG ;;
	k) STOP=1 ;;
	*) sed -n '10,16p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	set -- mode0-mmap-over-ram-swap mode0-mmap-under-ram mode1-mmap-over-ram-swap \
		mode2-mmap-over-commit-limit mode2-mmap-under-commit-limit global-oom-hog \
		hog-under-ram memcg-oom-hog memcg-under-limit
fi
say() { printf 'slurm-test: %s\n' "$*"; }
die() { say "$*"; exit 2; }

for p in sbatch slurmctld slurmd munged; do
	command -v "$p" >/dev/null || die "$p is missing: apt-get install slurm-wlm munge"
done
[ "$(id -u)" -eq 0 ] || die "run as root (slurmd runs jobs as their user and needs root)"

# ---- the configuration ----
HOST=$(hostname -s)
MEM=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/runs" || exit 2
sed -e "s|@HOST@|$HOST|g" -e "s|@DIR@|$DIR|g" -e "s|@MEM@|$MEM|g" ci/slurm/slurm.conf \
	>"$DIR/slurm.conf" || exit 2
export SLURM_CONF="$DIR/slurm.conf"
started=""

# ---- munge, slurmctld, slurmd ----
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	say "starting munged"
	[ -s /etc/munge/munge.key ] || mungekey --create 2>/dev/null || /usr/sbin/create-munge-key
	mkdir -p /run/munge /var/log/munge /var/lib/munge
	chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge/munge.key
	runuser -u munge -- /usr/sbin/munged || die "munged did not start"
	started="$started munged"
	munge -n | unmunge >/dev/null || die "munge does not work"
fi
if ! scontrol ping 2>/dev/null | grep -q 'is UP'; then
	say "starting slurmctld ($SLURM_CONF)"
	slurmctld -f "$SLURM_CONF" || die "slurmctld did not start: see $DIR/slurmctld.log"
	started="$started slurmctld"
fi
if ! pgrep -x slurmd >/dev/null; then
	say "starting slurmd"
	slurmd -f "$SLURM_CONF" || die "slurmd did not start: see $DIR/slurmd.log"
	started="$started slurmd"
fi
stop_daemons() {
	[ "$STOP" -eq 1 ] || return 0
	for d in $started; do
		case $d in
		slurmd) [ -f "$DIR/slurmd.pid" ] && kill "$(cat "$DIR/slurmd.pid")" ;;
		slurmctld) [ -f "$DIR/slurmctld.pid" ] && kill "$(cat "$DIR/slurmctld.pid")" ;;
		munged) [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" ;;
		esac
	done
}
trap stop_daemons EXIT
i=0
until sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
	i=$((i + 1))
	if [ $i -eq 5 ]; then # a node left down or drained by an earlier test
		scontrol update nodename="$HOST" state=resume 2>/dev/null
	fi
	[ $i -lt 60 ] || die "the node never became idle: $(sinfo -N 2>&1); see $DIR/slurmd.log"
	sleep 1
done
say "cluster up: $(sinfo -h -N -o '%N %T %c CPUs %m MB')"

# ---- the array job ----
# Each task runs its guests one at a time (--jobs 1); 2 CPUs per task on a
# 2-CPU node run the tasks one after the other.
start=$(date +%s)
job=$(sbatch --parsable --wait --array=1-3 --mem=2G \
	--output="$DIR/runs/oomlab-%A_%a.out" \
	--export=ALL,OOMLAB="$OOMLAB",OOMLAB_SLURM_OUT="$DIR/runs" \
	ci/slurm-array.sh --jobs 1 "$@")
status=$?
job=${job%%;*}
say "array job $job done after $(($(date +%s) - start)) s (sbatch --wait exit $status; it is not 0 when a task was not: 1 for a FAIL row)"
RUN=$DIR/runs/slurm-$job
for k in 1 2 3; do
	say "task $k: $(grep -E '^oomlab: shard' "$DIR/runs/oomlab-${job}_$k.out" 2>/dev/null)"
done
dirs=""
for k in 1 2 3; do
	[ -d "$RUN/shard-$k" ] && dirs="$dirs $RUN/shard-$k"
done
# shellcheck disable=SC2086
"$OOMLAB" merge "$RUN/merged" $dirs
mstatus=$?
say "merge exit $mstatus"
[ "$mstatus" -le 1 ] || exit 1

# ---- the same selection, unsharded ----
if [ -z "$REF" ]; then
	REF=$RUN/unsharded
	say "unsharded reference: $OOMLAB run --jobs 1 --out $REF $*"
	env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT "$OOMLAB" run --quiet --jobs 1 \
		--out "$REF" "$@" >"$REF.log" 2>&1
	say "unsharded run exit $?"
fi
ci/same-run.py "$REF" "$RUN/merged"
