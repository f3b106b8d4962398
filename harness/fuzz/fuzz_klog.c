/* fuzz_klog.c - libFuzzer target: the kernel-log line parsers (klog.h) and
 * the console scan (evidence.h) on arbitrary bytes.
 *
 * The input is split into lines; each line (cut at 8 KiB, NUL-terminated as
 * the parsers expect) goes through klog_strip_prefix(), klog_kernel_msg()
 * and every klog_parse_*() both raw and stripped.  The whole input, not
 * NUL-terminated, goes through evidence_scan_console().  ASan and UBSan turn
 * any out-of-bounds access, overflow or undefined shift into a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "klog.h"

#define LINE_MAX_FUZZ 8192

static void parse_all(const char *msg)
{
	struct klog_invoked inv;
	struct klog_oom_summary sum;
	struct klog_killed kill;
	struct klog_vm_enough vme;
	struct klog_reaped rep;
	struct klog_alloc_fail af;
	struct klog_kill_select sel;
	struct klog_memcg_task mt;
	struct klog_memcg_usage mu;
	char text[KLOG_TEXT_MAX];

	klog_parse_invoked(msg, &inv);
	klog_parse_oom_summary(msg, &sum);
	klog_parse_killed(msg, &kill);
	klog_parse_vm_enough(msg, &vme);
	klog_parse_reaped(msg, &rep);
	klog_parse_alloc_fail(msg, &af);
	klog_parse_panic(msg, text, sizeof(text));
	klog_parse_panic(msg, text, 1);
	klog_parse_kill_select(msg, &sel);
	klog_parse_memcg_task(msg, &mt);
	klog_parse_memcg_usage(msg, &mu);
	klog_parse_oom_group(msg, text, sizeof(text));
	klog_parse_oom_group(msg, text, 1);
	klog_parse_reap_failed(msg, &rep);
}

static void one_line(const uint8_t *p, size_t n)
{
	char *line = malloc(n + 1);
	const char *msg;

	if (!line)
		return;
	memcpy(line, p, n);
	line[n] = '\0';
	parse_all(line);
	parse_all(klog_strip_prefix(line));
	msg = klog_kernel_msg(line);
	if (msg)
		parse_all(msg);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evidence ev;
	uint8_t *copy;
	size_t start = 0;

	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		one_line(data + start, i - start > LINE_MAX_FUZZ ? LINE_MAX_FUZZ : i - start);
		start = i + 1;
	}
	/* Exactly size bytes: a read past the end is an ASan report. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	evidence_init(&ev);
	evidence_scan_console(&ev, (const char *)copy, size, 40);
	evidence_free(&ev);
	free(copy);
	return 0;
}
