/* test_vm.c - the QEMU command line, the timeout and failure paths and the
 * accelerator probe, with shell scripts standing in for QEMU. */
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "suites.h"
#include "vm.h"

static void check_argv(const struct child *c, const char *const *want, size_t n)
{
	ck_assert_uint_eq(c->argc, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!strcmp(c->argv[i], want[i]), "argv[%zu] = '%s', want '%s'", i,
			      c->argv[i], want[i]);
	ck_assert_ptr_null(c->argv[n]);
}

START_TEST(command_tcg)
{
	struct vm_spec s = {
		.kernel = "/k/bzImage", .initrd = "/w/a.cpio", .append = "quiet loglevel=7",
		.mem_bytes = 512ull << 20, .cpus = 2, .accel = ACCEL_TCG,
		.console_path = "/o/con,sole.log", .records_path = "/o/records.jsonl",
		.disk_path = "/w/swap,1.img",
	};
	const char *want[] = {
		"qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
		"-machine", "pc", "-accel", "tcg", "-cpu", "max", "-m", "512M", "-smp", "2",
		"-kernel", "/k/bzImage", "-initrd", "/w/a.cpio",
		"-append", "console=ttyS0 panic=-1 no_timer_check quiet loglevel=7",
		"-chardev", "file,id=con,path=/o/con,,sole.log", "-serial", "chardev:con",
		"-chardev", "file,id=rec,path=/o/records.jsonl", "-serial", "chardev:rec",
		"-drive", "file=/w/swap,,1.img,format=raw,if=virtio", "-no-reboot",
	};
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(vm_command(&s, &c, &err), 0);
	check_argv(&c, want, ARRAY_SIZE(want));
	child_clear(&c);
}
END_TEST

START_TEST(command_kvm_defaults)
{
	struct vm_spec s = {
		.qemu = "/opt/qemu", .kernel = "k", .initrd = "i", .mem_bytes = (1ull << 20) + 1,
		.accel = ACCEL_KVM, .console_path = "c", .records_path = "r",
	};
	const char *want[] = {
		"/opt/qemu", "-nodefaults", "-no-user-config", "-display", "none",
		"-machine", "pc", "-accel", "kvm", "-cpu", "host", "-m", "2M", "-smp", "1",
		"-kernel", "k", "-initrd", "i", "-append", "console=ttyS0 panic=-1 no_timer_check",
		"-chardev", "file,id=con,path=c", "-serial", "chardev:con",
		"-chardev", "file,id=rec,path=r", "-serial", "chardev:rec", "-no-reboot",
	};
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(vm_command(&s, &c, &err), 0);
	check_argv(&c, want, ARRAY_SIZE(want));
	child_clear(&c);

	s.accel = ACCEL_AUTO;
	ck_assert_int_eq(vm_command(&s, &c, &err), -1);
	s.accel = ACCEL_TCG;
	s.kernel = NULL;
	ck_assert_int_eq(vm_command(&s, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "internal error"));
	child_clear(&c);
	buf_release(&err);
}
END_TEST

struct fake {
	char dir[64];
	char qemu[PATH_MAX], con[PATH_MAX], rec[PATH_MAX], log[PATH_MAX];
	struct vm_spec spec;
};

static void fake_setup(struct fake *f, const char *script)
{
	FILE *fp;

	snprintf(f->dir, sizeof(f->dir), "/tmp/oomlab-test-vm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->qemu, sizeof(f->qemu), "%s/qemu", f->dir);
	snprintf(f->con, sizeof(f->con), "%s/console.log", f->dir);
	snprintf(f->rec, sizeof(f->rec), "%s/records.jsonl", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/qemu.log", f->dir);
	fp = fopen(f->qemu, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", script);
	fclose(fp);
	chmod(f->qemu, 0755);
	f->spec = (struct vm_spec){
		.qemu = f->qemu, .kernel = f->qemu, .initrd = "initrd", .mem_bytes = 64ull << 20,
		.cpus = 1, .accel = ACCEL_TCG, .console_path = f->con, .records_path = f->rec,
		.timeout_s = 20, .qemu_log_path = f->log,
	};
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void fake_done(struct fake *f)
{
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void run_to_end(struct fake *f, struct vm_outcome *out)
{
	struct vm vm;
	struct buf err = BUF_INIT;

	ck_assert_msg(vm_start(&f->spec, &vm, &err) == 0, "%s", err.s);
	while (vm_poll(&vm, out) == 0)
		usleep(10000);
	ck_assert_ptr_null(vm.qemu.argv);
	buf_release(&err);
}

START_TEST(poll_poweroff)
{
	struct fake f;
	struct vm_outcome out;

	fake_setup(&f, "for a in \"$@\"; do case \"$a\" in file,id=con,path=*) "
		       "con=\"${a#file,id=con,path=}\";; esac; done\necho booted > \"$con\"");
	run_to_end(&f, &out);
	ck_assert(!out.timed_out);
	ck_assert(!out.qemu_failed);
	ck_assert_str_eq(out.why, "");
	ck_assert(out.wall_s >= 0 && out.wall_s < 10);
	_cleanup_free_ char *con = fixture(f.con, NULL);
	ck_assert_str_eq(con, "booted\n");
	fake_done(&f);
}
END_TEST

START_TEST(poll_timeout)
{
	struct fake f;
	struct vm_outcome out;

	fake_setup(&f, "sleep 30");
	f.spec.timeout_s = 1;
	run_to_end(&f, &out);
	ck_assert(out.timed_out);
	ck_assert(!out.qemu_failed);
	ck_assert_str_eq(out.why, "no poweroff within 1 s (host timeout)");
	ck_assert(!out.hung);
	ck_assert(out.before_hello);
	ck_assert(out.wall_s >= 1 && out.wall_s < 5);
	ck_assert(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGKILL);
	fake_done(&f);
}
END_TEST

START_TEST(poll_qemu_fails)
{
	struct fake f;
	struct vm_outcome out;

	fake_setup(&f, "printf '\\nqemu-system-x86_64: -accel kvm: \\001boom\\nsecond line\\n' >&2; exit 1");
	run_to_end(&f, &out);
	ck_assert(!out.timed_out);
	ck_assert(out.qemu_failed);
	ck_assert_str_eq(out.why, "QEMU exit 1: qemu-system-x86_64: -accel kvm: ?boom");
	fake_done(&f);

	fake_setup(&f, "kill -SEGV $$");
	run_to_end(&f, &out);
	ck_assert(out.qemu_failed);
	ck_assert_msg(strstr(out.why, "QEMU signal 11"), "%s", out.why);
	fake_done(&f);
}
END_TEST

START_TEST(start_and_kill)
{
	struct fake f;
	struct vm vm;
	struct buf err = BUF_INIT;
	pid_t pid;

	fake_setup(&f, "exec sleep 30");
	ck_assert_int_eq(vm_start(&f.spec, &vm, &err), 0);
	pid = vm.qemu.pid;
	ck_assert_int_eq(kill(pid, 0), 0);
	vm_kill(&vm);
	ck_assert_int_eq(kill(pid, 0), -1); /* reaped */
	vm_kill(&vm);                       /* twice is harmless */

	f.spec.qemu = "/nonexistent/qemu";
	ck_assert_int_eq(vm_start(&f.spec, &vm, &err), -1);
	ck_assert_msg(strstr(err.s, "cannot run /nonexistent/qemu"), "%s", err.s);
	buf_release(&err);
	fake_done(&f);
}
END_TEST

START_TEST(accel_explicit)
{
	struct fake f;
	struct buf why = BUF_INIT;

	fake_setup(&f, "exit 1");
	ck_assert_int_eq(accel_decide(ACCEL_TCG, &f.spec, 1, f.dir, &why), ACCEL_TCG);
	ck_assert_str_eq(why.s, "tcg: requested");
	buf_reset(&why);
	ck_assert_int_eq(accel_decide(ACCEL_KVM, &f.spec, 1, f.dir, &why), ACCEL_KVM);
	ck_assert_ptr_nonnull(strstr(why.s, "kvm: requested"));
	buf_reset(&why);
	/* no /dev/kvm, or a probe whose QEMU fails: TCG either way */
	ck_assert_int_eq(accel_decide(ACCEL_AUTO, &f.spec, 1, f.dir, &why), ACCEL_TCG);
	ck_assert_ptr_nonnull(strstr(why.s, "tcg: "));
	buf_release(&why);
	fake_done(&f);
}
END_TEST

/* Writes the hello record when run with -accel kvm -cpu host. */
static const char hello_qemu[] =
	"case \"$*\" in *'-accel kvm -cpu host'*) ;; *) exit 3;; esac\n"
	"for a in \"$@\"; do case \"$a\" in file,id=rec,path=*) rec=\"${a#file,id=rec,path=}\";; esac; done\n"
	"echo '{\"t\":\"hello\",\"v\":1}' > \"$rec\"\n"
	"echo run >> \"$0.count\"";

static size_t runs(const struct fake *f)
{
	char path[PATH_MAX + 8];
	struct buf b = BUF_INIT;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s.count", f->qemu);
	if (buf_read_file(&b, path, 4096, NULL) == 0)
		for (size_t i = 0; i < b.len; i++)
			n += b.s[i] == '\n';
	buf_release(&b);
	return n;
}

START_TEST(probe_kvm_works_and_is_cached)
{
	struct fake f;
	struct buf why = BUF_INIT;

	fake_setup(&f, hello_qemu);
	f.spec.accel = ACCEL_TCG; /* the probe forces KVM */
	ck_assert_int_eq(accel_probe(&f.spec, 10, f.dir, &why), ACCEL_KVM);
	ck_assert_msg(strstr(why.s, "kvm: a KVM probe guest booted"), "%s", why.s);
	ck_assert_uint_eq(runs(&f), 1);
	buf_reset(&why);
	/* cached for this host boot, QEMU and kernel */
	ck_assert_int_eq(accel_probe(&f.spec, 10, f.dir, &why), ACCEL_KVM);
	ck_assert_msg(strstr(why.s, "probed earlier"), "%s", why.s);
	ck_assert_uint_eq(runs(&f), 1);
	buf_reset(&why);
	/* another kernel is probed again */
	f.spec.kernel = f.dir;
	ck_assert_int_eq(accel_probe(&f.spec, 10, f.dir, &why), ACCEL_KVM);
	ck_assert_uint_eq(runs(&f), 2);
	buf_release(&why);
	fake_done(&f);
}
END_TEST

START_TEST(probe_hang_is_tcg)
{
	struct fake f;
	struct buf why = BUF_INIT;
	double t0;

	fake_setup(&f, "sleep 30");
	t0 = now_s();
	ck_assert_int_eq(accel_probe(&f.spec, 1, f.dir, &why), ACCEL_TCG);
	ck_assert_msg(strstr(why.s, "tcg: KVM probe boot did not finish in 1 s: KVM guests hang"),
		      "%s", why.s);
	ck_assert(now_s() - t0 < 5);
	buf_reset(&why);
	t0 = now_s();
	ck_assert_int_eq(accel_probe(&f.spec, 1, f.dir, &why), ACCEL_TCG);
	ck_assert(now_s() - t0 < 0.5);
	ck_assert_msg(strstr(why.s, "probed earlier"), "%s", why.s);
	buf_release(&why);
	fake_done(&f);
}
END_TEST

START_TEST(probe_without_hello_not_cached)
{
	struct fake f;
	struct buf why = BUF_INIT;

	fake_setup(&f, "exit 0");
	ck_assert_int_eq(accel_probe(&f.spec, 5, f.dir, &why), ACCEL_TCG);
	ck_assert_msg(strstr(why.s, "without the agent's hello record"), "%s", why.s);
	buf_reset(&why);
	ck_assert_int_eq(accel_probe(&f.spec, 5, f.dir, &why), ACCEL_TCG);
	ck_assert_ptr_null(strstr(why.s, "probed earlier"));
	buf_release(&why);
	fake_done(&f);
}
END_TEST

Suite *suite_vm(void)
{
	Suite *s = suite_create("vm");
	TCase *t = tcase_create("command");

	tcase_add_test(t, command_tcg);
	tcase_add_test(t, command_kvm_defaults);
	suite_add_tcase(s, t);
	t = tcase_create("run");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, poll_poweroff);
	tcase_add_test(t, poll_timeout);
	tcase_add_test(t, poll_qemu_fails);
	tcase_add_test(t, start_and_kill);
	suite_add_tcase(s, t);
	t = tcase_create("accel");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, accel_explicit);
	tcase_add_test(t, probe_kvm_works_and_is_cached);
	tcase_add_test(t, probe_hang_is_tcg);
	tcase_add_test(t, probe_without_hello_not_cached);
	suite_add_tcase(s, t);
	return s;
}
