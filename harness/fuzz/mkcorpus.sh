#!/bin/sh
# Rebuild the seed corpora in harness/fuzz/corpus/ from the fixtures of real
# VM runs (harness/tests/fixtures/vm), the kernel-log fixtures and the
# configuration in vmconfigs/.  Run from the repository root.
set -eu
F=harness/tests/fixtures
C=harness/fuzz/corpus
rm -rf "$C"
mkdir -p "$C/klog" "$C/records" "$C/incident" "$C/config"

# klog: kernel-log files as dmesg, syslog, journalctl print them, and the
# last lines of real consoles (boot and OOM reports, a panic).
for f in "$F"/klog/*.log; do cp "$f" "$C/klog/$(basename "$f")"; done
for k in 6.1 6.12; do
	for f in "$F"/vm/$k/*.console.log; do
		b=$(basename "$f" .console.log)
		tail -n 80 "$f" > "$C/klog/console-$k-$b.txt"
	done
done

# incident: whole OOM reports from the field.
for f in "$F"/incidents/*.log; do cp "$f" "$C/incident/$(basename "$f")"; done

# records: a real record channel without most of the boot log (the fuzzer is
# faster on small inputs), the separator, the console's last lines.
for k in 6.1 6.12; do
	for f in "$F"/vm/$k/*.records.jsonl; do
		b=$(basename "$f" .records.jsonl)
		{
			awk '/"t":"kmsg","i":-1/ { if (++n > 4) next } { print }' "$f"
			printf '==console==\n'
			tail -n 30 "$F/vm/$k/$b.console.log"
		} > "$C/records/$k-$b.txt"
	done
done
for f in "$F"/records/*.jsonl; do
	[ "$(wc -c < "$f")" -lt 65536 ] && cp "$f" "$C/records/$(basename "$f")"
done

# config: VMCONFIG %% SCENARIOS %% MATRIX (fuzz_config.c).
sep() { printf '\n%%%%\n'; }
i=0
for vm in vmconfigs/*.ini; do
	i=$((i + 1))
	{ cat "$vm"; sep; cat vmconfigs/scenarios/basic.ini; } > "$C/config/vm-$(basename "$vm" .ini).ini"
done
for s in vmconfigs/scenarios/*.ini; do
	{ cat vmconfigs/mode1-noswap.ini; sep; cat "$s"; } > "$C/config/sc-$(basename "$s" .ini).ini"
done
{ cat "$F/config/good/tiny.ini"; sep; cat "$F/config/good/scenarios/s.ini"; } > "$C/config/good.ini"
{ cat "$F/config/bad/small.ini"; sep; cat "$F/config/bad/scenarios/bad.ini"; } > "$C/config/bad.ini"
{ cat "$F/config/matrix/base.ini"; sep; sep; cat "$F/config/matrix/matrix/mx.ini"; } > "$C/config/matrix-mx.ini"
{ cat "$F/config/matrix/base.ini"; sep; sep; cat "$F/config/matrix/matrix/pw.ini"; } > "$C/config/matrix-pw.ini"
{ cat vmconfigs/mode1-noswap.ini; sep; sep; cat vmconfigs/matrix/overcommit.ini; } > "$C/config/matrix-overcommit.ini"
du -sh "$C"/*
