/* test_incident_hostile.c - the incident parser on hostile input: binary
 * junk, a 10 MB line, every cut of the real reports, mutated lines, and the
 * caps on events and task rows.  Under ASan and UBSan a crash, an overflow
 * or a leak fails the run; each parse must also print valid JSON and an
 * HTML page of valid UTF-8 with no script but its own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "incident.h"
#include "suites.h"

#define NLOGS incident_test_nlogs
#define QEMU_LOG 6   /* cut at every byte, too */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The JSON and the summary of whatever was parsed: valid, and the caps hold. */
static void check_sane(const struct incident_report *r)
{
	struct buf b = BUF_INIT;
	struct json_object *o;

	incident_json(r, &b);
	o = json_tokener_parse(b.s);
	ck_assert_msg(o != NULL, "incident_json() printed invalid JSON");
	buf_reset(&b);
	incident_summary(r, &b);
	ck_assert(b.len > 0);
	/* the HTML page too: valid UTF-8, no control characters, one script */
	buf_reset(&b);
	incident_html(r, "x", &b);
	for (const unsigned char *p = (const unsigned char *)b.s; *p;) {
		size_t n = utf8_seq(p);

		if (!n || (*p < 0x20 && *p != '\n'))
			ck_abort_msg("HTML: byte %#x at offset %td", *p, (const char *)p - b.s);
		p += n;
	}
	ck_assert_ptr_null(strstr(strstr(b.s, "</script>") + 9, "<script"));
	buf_release(&b);
	ck_assert(r->n <= INC_MAX_EVENTS);
	for (size_t i = 0; i < r->n; i++)
		ck_assert(r->ev[i].ntasks <= INC_MAX_TASKS && r->ev[i].nzones <= INC_MAX_ZONES);
	json_object_put(o);
}

START_TEST(binary_junk)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t len = 1u << 20;
	char *junk = malloc(len);
	struct incident_report r;

	for (size_t i = 0; i < len; i++) {
		uint64_t v = rnd(&seed);

		junk[i] = (v & 0x3f) == 0 ? '\n' : (char)(v >> 8);
	}
	incident_parse(junk, len, &r);
	check_sane(&r);
	incident_free(&r);
	incident_parse(NULL, 0, &r);
	ck_assert_uint_eq(r.n, 0);
	incident_free(&r);
	free(junk);
}
END_TEST

START_TEST(huge_line)
{
	size_t big = 10u << 20, len;
	char *log = fixture("fixtures/incidents/qemu-6.11-global-stress-ng.log", &len);
	char *text = malloc(big + len + 2);
	struct incident_report r;

	/* a 10 MB line that looks like a header, then the real report */
	memset(text, 'A', big);
	memcpy(text, "x invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0 ", 63);
	text[big] = '\n';
	memcpy(text + big + 1, log, len);
	incident_parse(text, big + 1 + len, &r);
	ck_assert_uint_eq(r.long_lines, 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(r.ev[0].victim.pid == 116 && r.ev[0].first_line == 2);
	check_sane(&r);
	incident_free(&r);
	free(text);
	free(log);
}
END_TEST

/* Every prefix of every log, cut at a line boundary, and the first report
 * cut at every byte. */
START_TEST(every_cut_is_safe)
{
	char path[160];
	size_t len;
	char *text;
	struct incident_report r;

	snprintf(path, sizeof(path), "fixtures/%s", incident_test_logs[_i]);
	text = fixture(path, &len);
	for (size_t cut = 0; cut <= len; cut++) {
		if (cut < len && text[cut] != '\n' && !(_i == QEMU_LOG && cut < 6000))
			continue;
		incident_parse(text, cut, &r);
		for (size_t i = 0; i < r.n; i++)
			ck_assert(r.ev[i].first_line <= r.ev[i].last_line);
		if (cut % 7 == 0 || cut == len)
			check_sane(&r);
		incident_free(&r);
	}
	free(text);
}
END_TEST

/* Lines of real reports with random bytes changed. */
START_TEST(mutated_lines)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL + (uint64_t)_i;
	size_t len;
	char *text = fixture("fixtures/incidents/ubuntu-5.4-sysrq-manual-oom.log", &len);
	static const char alphabet[] = "0123456789-:,=()[] xkB\t\n\r%\xff\xc3";
	struct incident_report r;

	for (int round = 0; round < 200; round++) {
		char *m = malloc(len);

		memcpy(m, text, len);
		for (int k = 0; k < 64; k++)
			m[rnd(&seed) % len] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		incident_parse(m, len, &r);
		check_sane(&r);
		incident_free(&r);
		free(m);
	}
	free(text);
}
END_TEST

/* Caps: tasks per event, events per report; and pathological near-limit lines stay fast. */
START_TEST(bounded)
{
	struct buf b = BUF_INIT;
	struct incident_report r;
	clock_t t0;

	buf_addstr(&b, "x invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0\n"
		       "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
	for (int i = 0; i < INC_MAX_TASKS + 10; i++)
		buf_addf(&b, "[%7d] 0 %d 1 1 4096 0 0 t\n", i, i);
	for (int i = 0; i < INC_MAX_EVENTS + 10; i++)
		buf_addstr(&b, "y invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0\n");
	incident_parse(b.s, b.len, &r);
	ck_assert_uint_eq(r.n, INC_MAX_EVENTS);
	ck_assert(r.events_cut && r.ev[0].tasks_cut && r.ev[0].ntasks == INC_MAX_TASKS);
	incident_free(&r);

	buf_reset(&b);
	t0 = clock();
	for (int rep = 0; rep < 200; rep++) {
		buf_addstr(&b, "oom-kill:constraint=CONSTRAINT_NONE");
		for (int i = 0; i < 1200; i++)
			buf_addstr(&b, ",uid=");
		buf_addstr(&b, "\nNode 0 DMA: ");
		for (int i = 0; i < 1500; i++)
			buf_addstr(&b, "1*4kB ");
		buf_addstr(&b, "\n");
	}
	incident_parse(b.s, b.len, &r);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_msg(clock() - t0 < 20 * CLOCKS_PER_SEC, "pathological lines are slow");
	incident_free(&r);
	buf_release(&b);
}
END_TEST

/* Numbers at the edge (2^53 - 1, its negative, and beyond) everywhere a
 * report has a number: the explanation's arithmetic must not overflow
 * (UBSan aborts on signed overflow). */
START_TEST(extreme_numbers)
{
	static const char *const nums[] = { "9007199254740991", "9223372036854775807", "0" };
	const char *n = nums[_i % 3];
	struct buf b = BUF_INIT;
	struct incident_report r;

	buf_addf(&b, "x invoked oom-killer: gfp_mask=0xffffffffffffffff(GFP_KERNEL), order=64, oom_score_adj=1000\n"
		 "CPU: 0 PID: %s Comm: x Not tainted 9.9.9 #1\nMem-Info:\n"
		 "active_anon:%s inactive_anon:%s slab_reclaimable:%s slab_unreclaimable:%s free:%s shmem:%s\n"
		 "Node 0 Normal free:%skB min:%skB low:%skB high:%skB managed:%skB\n"
		 "lowmem_reserve[]: %s %s %s %s\nNode 0 Normal: %s*256kB %s*512kB = 1kB\n"
		 "%s total pagecache pages\n%s pages RAM\n%s pages reserved\n"
		 "Free swap  = %skB\nTotal swap = %skB\n"
		 "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
		 "[%s] %s %s %s %s %s %s %s x\n[1] -%s -%s -%s -%s -%s -%s -%s y\n",
		 n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n,
		 n, n, n, n, n, n, n, n, n);
	if (_i >= 3)
		buf_addf(&b, "memory: usage %skB, limit %skB, failcnt %s\n"
			 "memory+swap: usage %skB, limit %skB, failcnt %s\n", n, n, n, n, n, n);
	buf_addf(&b, "Out of memory: Kill process 1 (x) score %s or sacrifice child\n"
		 "Out of memory: Killed process 1 (x) total-vm:%skB, anon-rss:%skB, file-rss:%skB,"
		 " shmem-rss:%skB, UID:0 pgtables:%skB oom_score_adj:1000\n", n, n, n, n, n, n);
	incident_parse(b.s, b.len, &r);
	ck_assert_uint_eq(r.n, 1);
	check_sane(&r);
	incident_free(&r);
	buf_release(&b);
}
END_TEST

TCase *incident_hostile_tcase(void)
{
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, binary_junk);
	tcase_add_test(tc, huge_line);
	tcase_add_loop_test(tc, every_cut_is_safe, 0, NLOGS);
	tcase_add_loop_test(tc, mutated_lines, 0, 4);
	tcase_add_test(tc, bounded);
	tcase_add_loop_test(tc, extreme_numbers, 0, 6);
	return tc;
}
