/* test_fiu.c - the fiu= option before any guest runs: its parser and the
 * libfiu commands (fiuspec.c), the run-line checks of scenario files
 * (settings_args.c), and the initramfs of a fiu step (guestfs.c): the
 * dynamic stressors and the preload libraries with their libraries, only
 * there; every other initramfs byte for byte as before. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "fiuspec.h"
#include "guestfs.h"
#include "initramfs.h"
#include "settings.h"
#include "suites.h"

/* ---- fiuspec ---- */

START_TEST(spec_parses)
{
	struct fiu_point p;
	char err[320], cmd[128], prob[16];

	ck_assert(fiu_is_arg("fiu=posix/mm/mmap"));
	ck_assert(!fiu_is_arg("size=fiu"));
	ck_assert(fiu_parse("posix/mm/mmap", &p, err, sizeof(err)));
	ck_assert_str_eq(p.name, "posix/mm/mmap");
	ck_assert_int_eq(p.ppm, FIU_PPM);
	ck_assert(fiu_command(&p, cmd, sizeof(cmd)));
	ck_assert_str_eq(cmd, "enable name=posix/mm/mmap,failnum=1,failinfo=12");
	ck_assert(fiu_parse("libc/mm/malloc:0.25", &p, err, sizeof(err)));
	ck_assert_int_eq(p.ppm, 250000);
	ck_assert(fiu_command(&p, cmd, sizeof(cmd)));
	ck_assert_str_eq(cmd, "enable_random name=libc/mm/malloc,probability=0.25,failnum=1,failinfo=12");
	ck_assert(fiu_parse("posix/mm/mmap:0", &p, err, sizeof(err)));
	ck_assert_int_eq(p.ppm, 0);
	fiu_prob_text(p.ppm, prob, sizeof(prob));
	ck_assert_str_eq(prob, "0");
	ck_assert(fiu_parse("posix/mm/*:1.000000", &p, err, sizeof(err)));
	ck_assert_str_eq(p.name, "posix/mm/*");
	ck_assert_int_eq(p.ppm, FIU_PPM);
	fiu_prob_text(123400, prob, sizeof(prob));
	ck_assert_str_eq(prob, "0.1234");
}
END_TEST

START_TEST(spec_refuses)
{
	static const char *const bad_names[] = { "mmap", "posix/", "posix/mm/mmap*x", "posix/MM/mmap",
						 "linux/io write", "", "libc/mm/malloc;rm" };
	static const char *const bad_probs[] = { "posix/mm/mmap:", "posix/mm/mmap:2",
						 "posix/mm/mmap:1.5", "posix/mm/mmap:0.1234567",
						 "posix/mm/mmap:-0", "posix/mm/mmap:.5", "posix/mm/mmap:0.5x" };
	struct fiu_point p;
	char err[320];

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		ck_assert_msg(!fiu_parse(bad_names[i], &p, err, sizeof(err)), "%s", bad_names[i]);
		ck_assert_msg(strstr(err, "is not a libfiu POSIX-preload point"), "%s", err);
	}
	for (size_t i = 0; i < sizeof(bad_probs) / sizeof(bad_probs[0]); i++) {
		ck_assert_msg(!fiu_parse(bad_probs[i], &p, err, sizeof(err)), "%s", bad_probs[i]);
		ck_assert_msg(strstr(err, "is not a number from 0 to 1"), "%s", err);
	}
	/* FIU_NAME_MAX - 1 bytes fit, one more does not */
	{
		char name[FIU_NAME_MAX + 8] = "posix/";

		memset(name + 6, 'a', FIU_NAME_MAX - 7);
		name[FIU_NAME_MAX - 1] = '\0';
		ck_assert(fiu_parse(name, &p, err, sizeof(err)));
		strcat(name, "a");
		ck_assert(!fiu_parse(name, &p, err, sizeof(err)));
	}
}
END_TEST

/* ---- scenario files ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#define SCENARIOS \
	"[good]\nvmconfig = m2\nrun = mmap size=64M fiu=posix/mm/mmap:0.5 fiu=libc/mm/malloc\n" \
	"[bad-name]\nvmconfig = m2\nrun = mmap size=64M fiu=mmap\n" \
	"[bad-prob]\nvmconfig = m2\nrun = mmap size=64M fiu=posix/mm/mmap:2\n" \
	"[bad-ng]\nvmconfig = m2\nrun = stress-ng --vm 1 fiu=posix/mm/mmap:1.5\n" \
	"[too-many]\nvmconfig = m2\nrun = mmap size=1M fiu=posix/mm/a fiu=posix/mm/b fiu=posix/mm/c " \
	"fiu=posix/mm/d fiu=posix/mm/e fiu=posix/mm/f fiu=posix/mm/g fiu=posix/mm/h fiu=posix/mm/i\n"

START_TEST(run_line_checked)
{
	char dir[] = "/tmp/oomlab-test-fiu-XXXXXX", sub[PATH_MAX];
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/scenarios", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(dir, "m2.ini", "[vm]\nmemory = 256M\n[sysctl]\nvm.overcommit_memory = 2\n");
	write_file(sub, "f.ini", SCENARIOS);
	ck_assert_int_lt(config_load(dir, &cfg, &err), 0);
	ck_assert_msg(strstr(err.s, "scenarios/f.ini:6: run: argument 'fiu=mmap': 'mmap' is not a "
			     "libfiu POSIX-preload point"), "%s", err.s);
	ck_assert_msg(strstr(err.s, "scenarios/f.ini:9: run: argument 'fiu=posix/mm/mmap:2': "
			     "probability '2' is not a number from 0 to 1"), "%s", err.s);
	ck_assert_msg(strstr(err.s, "(the option is fiu=POINT or fiu=POINT:PROBABILITY)"), "%s", err.s);
	/* stress-ng's own options pass, its fiu= does not */
	ck_assert_msg(strstr(err.s, "scenarios/f.ini:12: run: argument 'fiu=posix/mm/mmap:1.5'"),
		      "%s", err.s);
	ck_assert_msg(strstr(err.s, "scenarios/f.ini:15: run: more than 8 fiu= arguments"), "%s", err.s);
	ck_assert_msg(!strstr(err.s, "f.ini:3:"), "the good line was refused: %s", err.s);
	ck_assert_msg(!strstr(err.s, "--vm"), "stress-ng's options were checked: %s", err.s);
	config_free(&cfg);
	buf_release(&err);
	rm_rf(dir);
}
END_TEST

/* ---- the initramfs ---- */

#define PLAN_PLAIN "{\"v\":1,\"steps\":[{\"argv\":[\"mmap\",\"size=64M\"],\"timeout_s\":120}]}\n"
#define PLAN_FIU "{\"v\":1,\"steps\":[{\"argv\":[\"mmap\",\"size=64M\",\"fiu=posix/mm/mmap:1\"]}]}\n"

START_TEST(plan_detects_fiu)
{
	ck_assert(!guestfs_plan_uses_fiu(PLAN_PLAIN));
	ck_assert(guestfs_plan_uses_fiu(PLAN_FIU));
	ck_assert(!guestfs_plan_uses_fiu(NULL));
	ck_assert(!guestfs_plan_uses_fiu("not json"));
	/* argv[0] is the workload, never an option */
	ck_assert(!guestfs_plan_uses_fiu("{\"steps\":[{\"argv\":[\"fiu=posix/mm/mmap\"]}]}"));
	ck_assert(guestfs_plan_uses_fiu("{\"steps\":[{\"argv\":[\"hog\"]},"
					"{\"argv\":[\"hog\",\"fiu=libc/mm/malloc:0.5\"]}]}"));
}
END_TEST

/* The names in a cpio, one a line. */
static void cpio_names(const char *path, struct buf *names)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_format_cpio(a);
	ck_assert_int_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		buf_addf(names, "%s\n", archive_entry_pathname(e));
	archive_read_free(a);
}

static void guest_dir(char *dir, bool with_fiu)
{
	char cmd[PATH_MAX * 2];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "init", "agent");
	write_file(dir, "oomwl", "stressors");
	/* any dynamically linked program will do for ldd */
	snprintf(cmd, sizeof(cmd), "cp /bin/true '%s/" FIU_HOST_BINARY "'", dir);
	if (with_fiu)
		ck_assert_int_eq(system(cmd), 0);
}

START_TEST(plain_initramfs_unchanged)
{
	char dir[] = "/tmp/oomlab-test-fiu-XXXXXX", a[PATH_MAX], b[PATH_MAX], src[2][PATH_MAX];
	struct buf err = BUF_INIT, x = BUF_INIT, y = BUF_INIT;
	struct guestfs g;
	struct initramfs_entry e[3];

	guest_dir(dir, true);
	snprintf(a, sizeof(a), "%s/a.cpio", dir);
	snprintf(b, sizeof(b), "%s/b.cpio", dir);
	guestfs_init(&g, dir, PLAN_PLAIN);
	ck_assert_msg(guestfs_write(&g, a, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(g.n, 3);
	guestfs_free(&g);
	/* what guestfs made before fiu existed: init, bin/oomwl, plan.json */
	snprintf(src[0], sizeof(src[0]), "%s/init", dir);
	snprintf(src[1], sizeof(src[1]), "%s/oomwl", dir);
	e[0] = (struct initramfs_entry){ .dest = "init", .src = src[0], .mode = 0755 };
	e[1] = (struct initramfs_entry){ .dest = "bin/oomwl", .src = src[1], .mode = 0755 };
	e[2] = (struct initramfs_entry){ .dest = "plan.json", .data = PLAN_PLAIN,
					 .len = strlen(PLAN_PLAIN), .mode = 0644 };
	ck_assert_int_eq(initramfs_write(b, e, 3, &err), 0);
	ck_assert_int_eq(buf_read_file(&x, a, 64u << 20, NULL), 0);
	ck_assert_int_eq(buf_read_file(&y, b, 64u << 20, NULL), 0);
	ck_assert_uint_eq(x.len, y.len);
	ck_assert(!memcmp(x.s, y.s, x.len));
	buf_release(&err);
	buf_release(&x);
	buf_release(&y);
	rm_rf(dir);
}
END_TEST

START_TEST(fiu_initramfs_ships_preload)
{
	char dir[] = "/tmp/oomlab-test-fiu-XXXXXX", out[PATH_MAX];
	struct buf err = BUF_INIT, names = BUF_INIT;
	struct guestfs g;

	if (access(FIU_POSIX_PRELOAD, R_OK) != 0)
		ck_abort_msg(FIU_POSIX_PRELOAD " is missing: ci/install-deps.sh installs libfiu0");
	guest_dir(dir, true);
	snprintf(out, sizeof(out), "%s/fiu.cpio", dir);
	guestfs_init(&g, dir, PLAN_FIU);
	ck_assert_msg(guestfs_write(&g, out, &err) == 0, "%s", err.s);
	guestfs_free(&g);
	cpio_names(out, &names);
	ck_assert_msg(strstr(names.s, "\nbin/fiu/oomwl\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "\nusr/lib/fiu/fiu_run_preload.so\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "\nusr/lib/fiu/fiu_posix_preload.so\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "libfiu.so.0\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "\nlib64/ld-linux-x86-64.so.2\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "/libc.so.6\n"), "%s", names.s);
	ck_assert_msg(strstr(names.s, "\nplan.json\n"), "%s", names.s);
	buf_release(&err);
	buf_release(&names);
	rm_rf(dir);
}
END_TEST

START_TEST(fiu_initramfs_names_what_is_missing)
{
	char dir[] = "/tmp/oomlab-test-fiu-XXXXXX", out[PATH_MAX];
	struct buf err = BUF_INIT;
	struct guestfs g;

	guest_dir(dir, false);
	snprintf(out, sizeof(out), "%s/fiu.cpio", dir);
	guestfs_init(&g, dir, PLAN_FIU);
	ck_assert_int_lt(guestfs_write(&g, out, &err), 0);
	guestfs_free(&g);
	ck_assert_msg(strstr(err.s, "/" FIU_HOST_BINARY " is missing, needed by a step with a fiu= "
			     "argument (`make all` builds it)"), "%s", err.s);
	ck_assert_int_ne(access(out, F_OK), 0);
	buf_release(&err);
	rm_rf(dir);
}
END_TEST

Suite *suite_fiu(void)
{
	Suite *s = suite_create("fiu");
	TCase *spec = tcase_create("spec"), *fs = tcase_create("guestfs");

	tcase_add_test(spec, spec_parses);
	tcase_add_test(spec, spec_refuses);
	tcase_add_test(spec, run_line_checked);
	tcase_add_test(fs, plan_detects_fiu);
	tcase_add_test(fs, plain_initramfs_unchanged);
	tcase_add_test(fs, fiu_initramfs_ships_preload);
	tcase_add_test(fs, fiu_initramfs_names_what_is_missing);
	tcase_set_timeout(fs, 30);
	suite_add_tcase(s, spec);
	suite_add_tcase(s, fs);
	return s;
}
