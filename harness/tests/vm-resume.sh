#!/bin/sh
# vm-resume.sh - kill -9 of the controller in the middle of a real VM run,
# then `oomlab run --resume`: no QEMU survives the controller, results.json
# holds every finished scenario, and the resumed run ends with the verdicts
# of an uninterrupted one.  Also SIGTERM mid-run.  Needs QEMU and a kernel
# (`make kernel`); takes about three times the selection's run time.
#   harness/tests/vm-resume.sh [SELECTOR...]      (default: tag:smoke)
set -eu
OOMLAB=${OOMLAB:-build/oomlab}
[ $# -gt 0 ] || set -- tag:smoke
T=$(mktemp -d /tmp/oomlab-vm-resume-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "vm-resume: FAIL: $*" >&2; exit 1; }
qemus() { pgrep -f "qemu-system.*$1/" || true; }
finished() { n=$(grep -c '"scenario"' "$1/results.json" 2>/dev/null) || true; echo "${n:-0}"; }
verdicts() { sed -n 's/^[ ]*"\(scenario\|verdict\)": "\(.*\)",*$/\2/p' "$1/results.json" | paste - -; }

# Start a run into DIR in the background (its pid in $pid), wait until two
# scenarios finished and a QEMU of the next one runs.
start_and_wait() {
	dir=$1
	shift
	"$OOMLAB" run --jobs 1 --quiet --out "$dir" "$@" >/dev/null 2>"$dir.err" &
	pid=$!
	while [ "$(finished "$dir")" -lt 2 ] || [ -z "$(qemus "$dir")" ]; do
		kill -0 "$pid" 2>/dev/null || fail "the run into $dir ended early"
		sleep 0.2
	done
}

echo "vm-resume: uninterrupted run"
ref_status=0
"$OOMLAB" run --jobs 1 --quiet --out "$T/ref" "$@" >/dev/null 2>"$T/ref.err" || ref_status=$?

echo "vm-resume: kill -9 after 2 scenarios"
start_and_wait "$T/cut" "$@"
kill -9 "$pid"
sleep 1
[ -z "$(qemus "$T/cut")" ] || fail "QEMU outlived the killed controller: $(qemus "$T/cut")"
n=$(finished "$T/cut")
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/cut/results.json" 2>/dev/null ||
	{ command -v python3 >/dev/null && fail "results.json is not valid JSON"; }
left=$(cd "$T/cut" && find . -name '*.tmp.*' -o -name .work -o -name '*.cpio' -o -name '*.swap')
[ -z "$left" ] || fail "temporary files left after kill -9: $left"
echo "vm-resume: $n scenarios saved, no temporary file left"

echo "vm-resume: --resume"
status=0
"$OOMLAB" run --resume "$T/cut" --jobs 1 --quiet >/dev/null 2>"$T/resume.err" || status=$?
[ "$status" = "$ref_status" ] || fail "exit status $status after the resume, $ref_status uninterrupted"
[ ! -e "$T/cut/.work" ] || fail "$T/cut/.work left after the resume"
[ "$(verdicts "$T/ref")" = "$(verdicts "$T/cut")" ] ||
	fail "verdicts differ: $(verdicts "$T/ref") / $(verdicts "$T/cut")"
"$OOMLAB" diff "$T/ref" "$T/cut" || fail "oomlab diff: the runs differ"

echo "vm-resume: SIGTERM after 2 scenarios"
start_and_wait "$T/term" "$@"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 143 ] || fail "exit status $status after SIGTERM, not 143"
[ -z "$(qemus "$T/term")" ] || fail "QEMU outlived SIGTERM"
[ ! -e "$T/term/.work" ] || fail ".work left after SIGTERM"
grep -q "interrupted by Terminated" "$T/term.err" || fail "no interruption message: $(cat "$T/term.err")"
echo "vm-resume: ok: $(verdicts "$T/cut" | tr '\t\n' ' ;')"
