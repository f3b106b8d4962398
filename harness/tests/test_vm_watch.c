/* test_vm_watch.c - the no-output watchdog, QMP through vm_start/vm_poll,
 * and temporary files handed to QEMU by descriptor; shell scripts stand in
 * for QEMU. */
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "suites.h"
#include "vm.h"

struct w {
	char dir[64];
	char qemu[PATH_MAX], con[PATH_MAX], rec[PATH_MAX], log[PATH_MAX];
	struct vm_spec spec;
};

#define HELLO "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0\"}"
#define BEGIN(t) "{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"timeout_s\":" #t "}"
#define END "{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":0}"

/* The script runs with $CON and $REC set to the guest's files. */
static void w_setup(struct w *w, const char *script, unsigned silence)
{
	FILE *fp;

	snprintf(w->dir, sizeof(w->dir), "/tmp/oomlab-test-watch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(w->dir));
	snprintf(w->qemu, sizeof(w->qemu), "%s/qemu", w->dir);
	snprintf(w->con, sizeof(w->con), "%s/console.log", w->dir);
	snprintf(w->rec, sizeof(w->rec), "%s/records.jsonl", w->dir);
	snprintf(w->log, sizeof(w->log), "%s/qemu.log", w->dir);
	fp = fopen(w->qemu, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "#!/bin/bash\nCON='%s'\nREC='%s'\n%s\n", w->con, w->rec, script);
	fclose(fp);
	chmod(w->qemu, 0755);
	w->spec = (struct vm_spec){
		.qemu = w->qemu, .kernel = w->qemu, .initrd = "initrd", .mem_bytes = 64ull << 20,
		.cpus = 1, .accel = ACCEL_TCG, .console_path = w->con, .records_path = w->rec,
		.timeout_s = 30, .qemu_log_path = w->log, .silence_s = silence,
	};
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void w_run(struct w *w, struct vm_outcome *out)
{
	struct vm vm;
	struct buf err = BUF_INIT;

	ck_assert_msg(vm_start(&w->spec, &vm, &err) == 0, "%s", err.s);
	while (vm_poll(&vm, out) == 0)
		usleep(20000);
	buf_release(&err);
	nftw(w->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

START_TEST(silent_boot_is_killed)
{
	struct w w;
	struct vm_outcome out;

	w_setup(&w, "echo 'SeaBIOS' > \"$CON\"; exec sleep 30", 1);
	w_run(&w, &out);
	ck_assert(out.timed_out && out.hung && out.before_hello);
	ck_assert_str_eq(out.why, "no output from the guest for 1 s (console and records unchanged; "
				  "watchdog, before the agent's hello)");
	ck_assert(out.wall_s >= 1 && out.wall_s < 5);
	ck_assert(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGKILL);
}
END_TEST

START_TEST(output_keeps_it_alive)
{
	struct w w;
	struct vm_outcome out;

	w_setup(&w, "for i in 1 2 3 4 5 6 7 8; do echo \"line $i\" >> \"$CON\"; sleep 0.4; done", 1);
	w_run(&w, &out);
	ck_assert(!out.timed_out && !out.hung && !out.qemu_failed);
	ck_assert(out.wall_s >= 3);
}
END_TEST

/* During a step the guest may be silent for the step's timeout: the agent
 * ends the step then. */
START_TEST(step_timeout_extends_the_limit)
{
	struct w w;
	struct vm_outcome out;

	w_setup(&w, "echo '" HELLO "' > \"$REC\"; echo '" BEGIN(2) "' >> \"$REC\"; sleep 2.5; "
		"echo '" END "' >> \"$REC\"", 1);
	w_run(&w, &out);
	ck_assert_msg(!out.timed_out, "%s", out.why);
	ck_assert(!out.before_hello);
}
END_TEST

START_TEST(silent_step_is_killed)
{
	struct w w;
	struct vm_outcome out;

	w_setup(&w, "echo '" HELLO "' > \"$REC\"; echo '" BEGIN(1) "' >> \"$REC\"; exec sleep 30", 1);
	w_run(&w, &out);
	ck_assert(out.hung && !out.before_hello);
	ck_assert_str_eq(out.why, "no output from the guest for 2 s (console and records unchanged; "
				  "watchdog)");
	ck_assert(out.wall_s >= 2 && out.wall_s < 6);
}
END_TEST

/* The hello line arrives in pieces, after a line too long to read. */
START_TEST(records_read_in_pieces)
{
	struct w w;
	struct vm vm;
	FILE *f;
	char *big = malloc(200000);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 199999);
	big[199999] = '\0';
	w_setup(&w, "", 5);
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.console_path, sizeof(vm.console_path), "%s", w.con);
	snprintf(vm.records_path, sizeof(vm.records_path), "%s", w.rec);
	vm.silence_s = 5;
	vm.boot_silence_s = 7;
	f = fopen(w.rec, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n{\"t\":\"hel", big);
	fflush(f);
	ck_assert_uint_eq(vm_watch_update(&vm, 1.0, true), 7);
	ck_assert(!vm.w.hello);
	fprintf(f, "lo\"}\n" BEGIN(100000) "\n");
	fflush(f);
	/* before the hello at every call (its time is the boot time) */
	ck_assert_uint_eq(vm_watch_update(&vm, 1.5, false), 5 + 3600);
	ck_assert(vm.w.hello && vm.w.in_step);
	ck_assert(vm.w.hello_at == 1.5);
	ck_assert(vm.w.last_output == 1.5);
	ck_assert_uint_eq(vm_watch_update(&vm, 2.0, false), 5 + 3600); /* then once a second */
	fprintf(f, END "\n");
	fclose(f);
	ck_assert_uint_eq(vm_watch_update(&vm, 3.0, false), 5);
	ck_assert(!vm.w.in_step);
	free(big);
	nftw(w.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

/* consume_files: QEMU reads the initrd and the disk through
 * /proc/self/fd/N; the names are gone as soon as it runs. */
START_TEST(temporary_files_by_descriptor)
{
	struct w w;
	struct vm_outcome out;
	char initrd[PATH_MAX], disk[PATH_MAX], got[PATH_MAX];
	struct buf text = BUF_INIT;
	FILE *f;

	w_setup(&w, "", 0);
	snprintf(initrd, sizeof(initrd), "%s/a.cpio", w.dir);
	snprintf(disk, sizeof(disk), "%s/a.swap", w.dir);
	snprintf(got, sizeof(got), "%s/got", w.dir);
	f = fopen(w.qemu, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/bash\nwhile [ $# -gt 0 ]; do case \"$1\" in -initrd) i=\"$2\";; -drive) "
		"d=\"${2#file=}\"; d=\"${d%%%%,*}\";; esac; shift; done\n"
		"{ cat \"$i\"; cat \"$d\"; [ -e '%s' ] || echo gone; } > '%s'\n", initrd, got);
	fclose(f);
	f = fopen(initrd, "w");
	fputs("cpio;", f);
	fclose(f);
	f = fopen(disk, "w");
	fputs("swap;", f);
	fclose(f);
	w.spec.initrd = initrd;
	w.spec.disk_path = disk;
	w.spec.consume_files = true;
	{
		struct vm vm;
		struct buf err = BUF_INIT;

		ck_assert_msg(vm_start(&w.spec, &vm, &err) == 0, "%s", err.s);
		ck_assert_int_eq(access(initrd, F_OK), -1);
		ck_assert_int_eq(access(disk, F_OK), -1);
		while (vm_poll(&vm, &out) == 0)
			usleep(20000);
		buf_release(&err);
	}
	ck_assert_int_eq(buf_read_file(&text, got, 4096, NULL), 0);
	ck_assert_str_eq(text.s, "cpio;swap;gone\n");
	buf_release(&text);
	nftw(w.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

Suite *suite_vm_watch(void)
{
	Suite *s = suite_create("vm_watch");
	TCase *t = tcase_create("watch");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, silent_boot_is_killed);
	tcase_add_test(t, output_keeps_it_alive);
	tcase_add_test(t, step_timeout_extends_the_limit);
	tcase_add_test(t, silent_step_is_killed);
	tcase_add_test(t, records_read_in_pieces);
	tcase_add_test(t, temporary_files_by_descriptor);
	suite_add_tcase(s, t);
	return s;
}
