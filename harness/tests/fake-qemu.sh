#!/bin/bash
# fake-qemu.sh - stands in for qemu-system-x86_64 in test_run.c: reads the
# arguments oomlab passes (vm.c), speaks QMP on the socket it is given, and
# plays a guest from fixture files.  Behaviour from the environment:
#   FAKE_QEMU_MODE     ok (default), hang (no output at all), hang-after-hello,
#                      crash (SIGSEGV mid-run), exit1 (a QEMU start error),
#                      garbage (random bytes as records), truncated (records cut
#                      in the middle of the step)
#   FAKE_QEMU_RECORDS, FAKE_QEMU_CONSOLE   the guest's files to play
#   FAKE_QEMU_REASON   QMP SHUTDOWN reason (default guest-shutdown)
#   FAKE_QEMU_HANG_ON  hang (no output) for this scenario only
#   FAKE_QEMU_HANG_ONCE  a marker file: hang when it is missing, and create it
#   FAKE_QEMU_LOG      append "PID SCENARIO" when started
set -u
con="" rec="" qmp=""
while [ $# -gt 0 ]; do
	case "$1" in
	-chardev)
		case "$2" in
		file,id=con,path=*) con="${2#file,id=con,path=}" ;;
		file,id=rec,path=*) rec="${2#file,id=rec,path=}" ;;
		socket,id=qmp,fd=*) qmp="${2#socket,id=qmp,fd=}" ;;
		esac
		shift ;;
	esac
	shift
done
[ -n "$con" ] && [ -n "$rec" ] || { echo "fake-qemu: no console or records" >&2; exit 1; }
scenario=$(basename "$(dirname "$con")")
: > "$con"
: > "$rec"
[ -n "${FAKE_QEMU_LOG:-}" ] && echo "$$ $scenario" >> "$FAKE_QEMU_LOG"
mode="${FAKE_QEMU_MODE:-ok}"
[ "${FAKE_QEMU_HANG_ON:-}" = "$scenario" ] && mode=hang
if [ -n "${FAKE_QEMU_HANG_ONCE:-}" ] && [ ! -e "$FAKE_QEMU_HANG_ONCE" ]; then
	: > "$FAKE_QEMU_HANG_ONCE"
	mode=hang
fi
if [ "$mode" = exit1 ]; then
	echo "qemu-system-x86_64: -kernel /nonexistent: could not load kernel" >&2
	exit 1
fi
if [ -n "$qmp" ]; then
	printf '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\r\n' >&"$qmp"
	# Like QEMU, carry on without a monitor whose client went away.
	if read -r -t 10 -u "$qmp" line; then
		case "$line" in *qmp_capabilities*) printf '{"return": {}}\r\n' >&"$qmp" ;; esac
	else
		qmp=""
	fi
fi
case "$mode" in
hang) exec sleep 1000 ;;
hang-after-hello)
	head -n 1 "$FAKE_QEMU_RECORDS" > "$rec"
	exec sleep 1000 ;;
garbage) head -c 20000 /dev/urandom > "$rec"; cat "$FAKE_QEMU_CONSOLE" > "$con" ;;
truncated)
	n=$(grep -n '"phase":"begin"' "$FAKE_QEMU_RECORDS" | head -n 1 | cut -d: -f1)
	head -n $((n + 3)) "$FAKE_QEMU_RECORDS" > "$rec"
	head -c -1 "$FAKE_QEMU_RECORDS" | tail -c 40 >> "$rec"
	cat "$FAKE_QEMU_CONSOLE" > "$con" ;;
crash)
	head -n 5 "$FAKE_QEMU_RECORDS" > "$rec"
	kill -SEGV $$ ;;
*) cat "$FAKE_QEMU_RECORDS" > "$rec"; cat "$FAKE_QEMU_CONSOLE" > "$con" ;;
esac
if [ -n "$qmp" ]; then
	printf '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "%s"}}\r\n' \
		"${FAKE_QEMU_REASON:-guest-shutdown}" >&"$qmp"
fi
exit 0
