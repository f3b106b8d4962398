#!/bin/sh
# The gate catches a behaviour change, for real (make gate-demo).
#
# 1. A baseline run of a few scenarios, global-OOM ones among them.
# 2. The same scenarios with `--append sysctl.vm.oom_kill_allocating_task=1`
#    (the kernel's generic sysctl.* boot parameter, fs/proc/proc_sysctl.c
#    process_sysctl_arg, Linux 5.8+, applied by do_sysctl_args() in
#    init/main.c kernel_init() before the guest agent runs as init): the
#    expectations do not know it, so the
#    global OOM rows must FAIL (out_of_memory() kills the allocating task,
#    mm/oom_kill.c) and the run must exit 1; with --baseline the same run is
#    gated on the diff against step 1.
# 3. `oomlab diff BASE GATE` must name the changed rows and exit 1.
#
# Usage: ci/gate-demo.sh [OUT_ROOT] (default /tmp); OOMLAB=path of the binary,
# GATE_SEL=the scenarios, OOMLAB_ARGS=more run options (--kernel ...).
set -u
cd "$(dirname "$0")/.."
OOMLAB=${OOMLAB:-build/oomlab}
ROOT=${1:-/tmp}
BASE=$ROOT/d-base
GATE=$ROOT/d-gate
# global OOM (changes), memcg OOM and the mode 0/1 controls (must not change)
GATE_SEL=${GATE_SEL:-"global-oom-hog global-oom-hog-mode0 stress-ng-vm-oom oom-score-adj-steers-victim memcg-oom-hog mode0-mmap-over-ram-swap mode1-mmap-over-ram-swap hog-under-ram"}
APPEND=sysctl.vm.oom_kill_allocating_task=1
fail=0

say() { printf 'gate-demo: %s\n' "$*"; }

rm -rf "$BASE" "$GATE"
mkdir -p "$ROOT" || exit 2
say "baseline: $OOMLAB run --jobs 1 --out $BASE $GATE_SEL"
# shellcheck disable=SC2086
"$OOMLAB" run --jobs 1 --quiet ${OOMLAB_ARGS:-} --out "$BASE" $GATE_SEL
st=$?
say "baseline exit $st"
[ "$st" -eq 0 ] || { say "FAILED: the baseline must pass"; exit 1; }

say "gate: $OOMLAB run --jobs 1 --append $APPEND --baseline $BASE --out $GATE $GATE_SEL"
# shellcheck disable=SC2086
"$OOMLAB" run --jobs 1 --quiet ${OOMLAB_ARGS:-} --append "$APPEND" --baseline "$BASE" \
	--out "$GATE" $GATE_SEL
st=$?
say "gate run exit $st"
[ "$st" -eq 1 ] || { say "FAILED: the run with $APPEND must exit 1"; fail=1; }
grep -q '"verdict": "FAIL"' "$GATE/results.json" ||
	{ say "FAILED: no FAIL row in $GATE/results.json"; fail=1; }
grep -q 'oom_kill_allocating_task' "$GATE/global-oom-hog/console.log" ||
	{ say "FAILED: the guest console shows no oom_kill_allocating_task kill"; fail=1; }

say "diff: $OOMLAB diff $BASE $GATE"
"$OOMLAB" diff "$BASE" "$GATE" >"$ROOT/d-diff.txt"
st=$?
cat "$ROOT/d-diff.txt"
say "diff exit $st"
[ "$st" -eq 1 ] || { say "FAILED: oomlab diff must exit 1"; fail=1; }
grep -q '^PATH    global-oom-hog: global_oom_kill -> allocating_task_kill' "$ROOT/d-diff.txt" ||
	{ say "FAILED: the diff does not name global-oom-hog"; fail=1; }

if [ "$fail" -eq 0 ]; then
	say "ok: the gate caught $APPEND"
else
	say "FAILED"
fi
exit "$fail"
