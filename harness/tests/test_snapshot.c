/* test_snapshot.c - the speed-ups of issue #5 without booting: the PVH
 * vmlinux (bzImage header, payload decoders, the ELF note, the cache), the
 * snapshot key and cache entry, the plan line a restored agent reads, the
 * QMP commands of a save, and the QEMU arguments of a restore. */
#include <elf.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "kernel.h"
#include "qmp.h"
#include "run_int.h"
#include "snapshot.h"
#include "suites.h"
#include "vm.h"

/* A minimal ELF64 with one PT_NOTE holding a note of the given owner and type. */
static size_t make_elf(unsigned char *out, const char *owner, unsigned type)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)strlen(owner) + 1, .n_descsz = 4, .n_type = type };
	size_t off = sizeof(eh) + sizeof(ph), note = off;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memcpy(out + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memset(out + off, 0, 8);
	memcpy(out + off, owner, strlen(owner));
	off += (nh.n_namesz + 3) & ~3u;
	memcpy(out + off, "\x00\x10\x00\x01", 4);
	off += 4;
	ph.p_type = PT_NOTE;
	ph.p_offset = note;
	ph.p_filesz = off - note;
	memcpy(out, &eh, sizeof(eh));
	memcpy(out + sizeof(eh), &ph, sizeof(ph));
	return off;
}

START_TEST(pvh_note)
{
	unsigned char elf[512];
	size_t n = make_elf(elf, "Xen", 18);

	ck_assert(kernel_elf_has_pvh(elf, n));
	ck_assert(!kernel_elf_has_pvh(elf, n - 8)); /* the note cut off */
	n = make_elf(elf, "Xen", 17);
	ck_assert(!kernel_elf_has_pvh(elf, n));
	n = make_elf(elf, "Linux", 18);
	ck_assert(!kernel_elf_has_pvh(elf, n));
	ck_assert(!kernel_elf_has_pvh((const unsigned char *)"MZ not an elf", 13));
}
END_TEST

static size_t xz(const unsigned char *in, size_t len, unsigned char *out, size_t max)
{
	size_t pos = 0;

	ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, &pos, max),
			 LZMA_OK);
	return pos;
}

static size_t gz(const unsigned char *in, size_t len, unsigned char *out, size_t max)
{
	z_stream z = { 0 };

	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)max;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

START_TEST(payload_decoders)
{
	static const unsigned char text[] = "an uncompressed kernel, or nearly";
	unsigned char packed[1024];
	struct buf out = BUF_INIT, why = BUF_INIT;
	size_t n;

	n = xz(text, sizeof(text), packed, sizeof(packed));
	memcpy(packed + n, "\x10\x20\x30\x40", 4); /* size_append's trailer */
	ck_assert_int_eq(kernel_unpack_payload(packed, n + 4, &out, &why), 0);
	ck_assert_mem_eq(out.s, text, sizeof(text));
	n = ZSTD_compress(packed, sizeof(packed), text, sizeof(text), 3);
	ck_assert(!ZSTD_isError(n));
	ck_assert_int_eq(kernel_unpack_payload(packed, n, &out, &why), 0);
	ck_assert_uint_eq(out.len, sizeof(text));
	n = gz(text, sizeof(text), packed, sizeof(packed));
	ck_assert_int_eq(kernel_unpack_payload(packed, n, &out, &why), 0);
	ck_assert_mem_eq(out.s, text, sizeof(text));
	ck_assert_int_eq(kernel_unpack_payload(packed, n / 2, &out, &why), -1); /* truncated */
	buf_reset(&why);
	ck_assert_int_eq(kernel_unpack_payload((const unsigned char *)"BZh91AY&SY", 10, &out, &why), -1);
	ck_assert_ptr_nonnull(strstr(why.s, "other than xz, zstd or gzip"));
	buf_release(&out);
	buf_release(&why);
}
END_TEST

/* A bzImage: 0x1f1 setup_sects = 1, "HdrS", protocol 2.15, the payload
 * right after the setup sectors. */
static size_t make_bzimage(unsigned char *img, const unsigned char *payload, size_t plen)
{
	memset(img, 0, 1024);
	img[0x1f1] = 1;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x248] = 0; /* payload_offset 0 from (1 + 1) * 512 */
	img[0x24c] = (unsigned char)plen;
	img[0x24d] = (unsigned char)(plen >> 8);
	memcpy(img + 1024, payload, plen);
	return 1024 + plen;
}

START_TEST(bzimage_header)
{
	unsigned char img[4096], pay[64] = "payload";
	struct buf why = BUF_INIT;
	size_t off, plen, n = make_bzimage(img, pay, sizeof(pay));

	ck_assert_int_eq(kernel_bzimage_payload(img, n, &off, &plen, &why), 0);
	ck_assert_uint_eq(off, 1024);
	ck_assert_uint_eq(plen, sizeof(pay));
	ck_assert_int_eq(kernel_bzimage_payload(img, n - 1, &off, &plen, &why), -1);
	ck_assert_ptr_nonnull(strstr(why.s, "outside the"));
	img[0x206] = 0x07; /* protocol 2.07 */
	buf_reset(&why);
	ck_assert_int_eq(kernel_bzimage_payload(img, n, &off, &plen, &why), -1);
	ck_assert_str_eq(why.s, "boot protocol 2.07 has no payload fields (2.08 or later needed)");
	img[0x202] = 'X';
	ck_assert_int_eq(kernel_bzimage_payload(img, n, &off, &plen, &why), -1);
	buf_release(&why);
}
END_TEST

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

START_TEST(pvh_cache)
{
	char dir[] = "/tmp/oomlab-pvh-XXXXXX", img_path[128], out[PATH_MAX], again[PATH_MAX];
	unsigned char elf[512], packed[2048], img[4096];
	struct buf why = BUF_INIT, got = BUF_INIT;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img_path, sizeof(img_path), "%s/bzImage", dir);
	n = make_elf(elf, "Xen", 18);
	n = xz(elf, n, packed, sizeof(packed));
	write_bytes(img_path, img, make_bzimage(img, packed, n));
	ck_assert_int_eq(kernel_pvh_image(img_path, dir, out, sizeof(out), &why), 0);
	ck_assert_ptr_nonnull(strstr(out, "/vmlinux/"));
	ck_assert_int_eq(buf_read_file(&got, out, 4096, NULL), 0);
	ck_assert(kernel_elf_has_pvh((const unsigned char *)got.s, got.len));
	ck_assert_int_eq(kernel_pvh_image(img_path, dir, again, sizeof(again), &why), 0);
	ck_assert_str_eq(again, out);
	/* the ELF itself boots as it is */
	ck_assert_int_eq(kernel_pvh_image(out, dir, again, sizeof(again), &why), 0);
	ck_assert_str_eq(again, out);
	/* no PVH note: refused, and remembered */
	n = make_elf(elf, "Xen", 17);
	n = xz(elf, n, packed, sizeof(packed));
	write_bytes(img_path, img, make_bzimage(img, packed, n));
	ck_assert_int_eq(kernel_pvh_image(img_path, dir, out, sizeof(out), &why), -1);
	ck_assert_ptr_nonnull(strstr(why.s, "no PVH entry note"));
	ck_assert_str_eq(out, "");
	buf_reset(&why);
	ck_assert_int_eq(kernel_pvh_image(img_path, dir, out, sizeof(out), &why), -1);
	ck_assert_ptr_nonnull(strstr(why.s, "no PVH entry note"));
	buf_release(&why);
	buf_release(&got);
	rm_rf(dir);
}
END_TEST

/* ---- the snapshot key and entry ---- */

struct shape_files {
	char dir[64], kernel[128], qemu[128], initrd[128];
};

static void shape_setup(struct shape_files *f, struct vm_spec *spec)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/oomlab-snap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/vmlinux", f->dir);
	snprintf(f->qemu, sizeof(f->qemu), "%s/qemu", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/shape.cpio", f->dir);
	write_bytes(f->kernel, "kernel", 6);
	write_bytes(f->qemu, "qemu", 4);
	*spec = (struct vm_spec){ .qemu = f->qemu, .kernel = f->kernel, .initrd = f->initrd,
				  .mem_bytes = 256ull << 20, .cpus = 1, .accel = ACCEL_TCG,
				  .append = "sysctl.vm.overcommit_memory=2" };
}

static void key_of(const struct shape_files *f, struct vm_spec *spec, const char *initrd_text,
		   unsigned long long disk, struct snapshot *s)
{
	struct buf err = BUF_INIT;

	write_bytes(f->initrd, initrd_text, strlen(initrd_text));
	ck_assert_int_eq(snapshot_lookup(f->dir, spec, disk, s, &err), 0);
	ck_assert_msg(err.len == 0, "%s", err.s);
	ck_assert_int_eq(access(f->initrd, F_OK), -1); /* moved into the entry or removed */
	buf_release(&err);
}

START_TEST(snapshot_key)
{
	struct shape_files f;
	struct vm_spec spec;
	struct snapshot a, b;
	struct buf text = BUF_INIT;

	shape_setup(&f, &spec);
	key_of(&f, &spec, "cpio one", 0, &a);
	ck_assert(!a.ready);
	ck_assert_int_eq(buf_read_file(&text, a.initrd, 64, NULL), 0);
	ck_assert_str_eq(text.s, "cpio one");
	key_of(&f, &spec, "cpio one", 0, &b);
	ck_assert_str_eq(a.key, b.key);
	key_of(&f, &spec, "cpio two", 0, &b);  /* the agent or a module changed */
	ck_assert_str_ne(a.key, b.key);
	key_of(&f, &spec, "cpio one", 1ull << 30, &b); /* a swap disk */
	ck_assert_str_ne(a.key, b.key);
	spec.mem_bytes = 512ull << 20;
	key_of(&f, &spec, "cpio one", 0, &b);
	ck_assert_str_ne(a.key, b.key);
	spec.mem_bytes = 256ull << 20;
	spec.append = "sysctl.vm.overcommit_memory=1";
	key_of(&f, &spec, "cpio one", 0, &b);
	ck_assert_str_ne(a.key, b.key);
	spec.append = "sysctl.vm.overcommit_memory=2";
	sleep(0);
	write_bytes(f.kernel, "another kernel", 14); /* size and mtime change */
	key_of(&f, &spec, "cpio one", 0, &b);
	ck_assert_str_ne(a.key, b.key);
	write_bytes(b.state, "QEVM", 4);
	key_of(&f, &spec, "cpio one", 0, &b);
	ck_assert(b.ready);
	spec.kernel = "/nonexistent/vmlinux";
	write_bytes(f.initrd, "x", 1);
	ck_assert_int_eq(snapshot_lookup(f.dir, &spec, 0, &b, &text), -1);
	ck_assert_ptr_nonnull(strstr(text.s, "/nonexistent/vmlinux"));
	buf_release(&text);
	rm_rf(f.dir);
}
END_TEST

START_TEST(snapshot_trim_budget)
{
	struct shape_files f;
	struct vm_spec spec;
	struct snapshot a, b;
	char big[8192];

	memset(big, 'x', sizeof(big));
	shape_setup(&f, &spec);
	key_of(&f, &spec, "cpio one", 0, &a);
	write_bytes(a.state, big, sizeof(big));
	key_of(&f, &spec, "cpio two", 0, &b);
	write_bytes(b.state, big, sizeof(big));
	/* a is older */
	ck_assert_int_eq(utimensat(AT_FDCWD, a.dir, (struct timespec[2]){ { 1, 0 }, { 1, 0 } }, 0), 0);
	snapshot_trim(f.dir, 1ull << 30);
	ck_assert_int_eq(access(a.state, F_OK), 0);
	snapshot_trim(f.dir, 3 * sizeof(big));
	ck_assert_int_eq(access(a.dir, F_OK), -1);
	ck_assert_int_eq(access(b.state, F_OK), 0);
	rm_rf(f.dir);
}
END_TEST

/* ---- the restore ---- */

START_TEST(plan_line)
{
	struct buf line = BUF_INIT, again = BUF_INIT, err = BUF_INIT;
	const char *plan = "{\n  \"v\": 1,\n  \"steps\": [ { \"argv\": [ \"a\\nb\" ] } ]\n}\n";

	ck_assert_int_eq(run_snap_line(plan, &line, &err), 0);
	ck_assert(!strncmp(line.s, "\n\n\n\n{", 5));    /* newlines, then one line */
	ck_assert_ptr_eq(strchr(line.s + 4, '\n'), line.s + line.len - 1);
	ck_assert_ptr_nonnull(strstr(line.s, "\"v\":1"));
	ck_assert_ptr_nonnull(strstr(line.s, "\"argv\":[\"a\\nb\"]"));
	ck_assert_ptr_nonnull(strstr(line.s, "\"seed\":\""));
	ck_assert_int_eq(run_snap_line(plan, &again, &err), 0);
	ck_assert_str_ne(line.s, again.s); /* a fresh seed each time */
	ck_assert_int_eq(run_snap_line("[1]", &line, &err), -1);
	ck_assert_str_eq(err.s, "internal error: the plan is not a JSON object");
	buf_release(&line);
	buf_release(&again);
	buf_release(&err);
}
END_TEST

static void feed(struct qmp *q, const char *s)
{
	qmp_feed(q, s, strlen(s));
}

START_TEST(qmp_save_commands)
{
	struct qmp q;
	struct buf err = BUF_INIT;
	char got[512] = "";
	int peer, fd = open("/dev/null", O_WRONLY);

	ck_assert_int_eq(qmp_open(&q, &peer, &err), 0);
	ck_assert_int_eq(qmp_execute(&q, "{\"execute\": \"stop\"}"), -1); /* not negotiated */
	dprintf(peer, "{\"QMP\": {}}\n");
	qmp_pump(&q);
	ck_assert_int_gt(read(peer, got, sizeof(got) - 1), 0);
	dprintf(peer, "{\"return\": {}}\n");
	qmp_pump(&q);
	ck_assert_int_eq(q.state, QMP_READY);
	ck_assert_int_eq(qmp_execute_fd(&q, "{\"execute\": \"getfd\", \"arguments\": "
					    "{\"fdname\": \"snap\"}}", fd), 0);
	ck_assert_int_eq(qmp_execute(&q, "{\"execute\": \"query-migrate\"}"), 0);
	ck_assert_uint_eq(q.sent, 2);
	memset(got, 0, sizeof(got));
	ck_assert_int_gt(read(peer, got, sizeof(got) - 1), 0);
	ck_assert_ptr_nonnull(strstr(got, "\"fdname\": \"snap\"}}\n"));
	dprintf(peer, "{\"return\": {}}\n{\"return\": {\"status\": \"active\", \"ram\": {}}}\n");
	qmp_pump(&q);
	ck_assert_uint_eq(q.answered, 2);
	ck_assert_str_eq(q.status, "active");
	feed(&q, "{\"return\": {\"status\": \"completed\"}}\n");
	ck_assert_str_eq(q.status, "completed");
	feed(&q, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"bad\\u0001fd\"}}\n");
	ck_assert_str_eq(q.cmd_error, "bad?fd");
	ck_assert(!q.resumed);
	feed(&q, "{\"event\": \"RESUME\", \"timestamp\": {}}\n");
	ck_assert(q.resumed);
	qmp_close(&q);
	close(peer);
	close(fd);
	buf_release(&err);
}
END_TEST

START_TEST(restore_arguments)
{
	struct vm_spec spec = { .kernel = "vmlinux", .initrd = "initrd", .mem_bytes = 256ull << 20,
				.accel = ACCEL_TCG, .console_path = "con", .records_path = "rec",
				.incoming = "fd:7", .ctl = true, .ctl_child_fd = 9 };
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT, all = BUF_INIT;

	ck_assert_int_eq(vm_command(&spec, &c, &err), 0);
	for (size_t i = 0; i < c.argc; i++)
		buf_addf(&all, "%s ", c.argv[i]);
	ck_assert_ptr_nonnull(strstr(all.s, "-serial chardev:rec -chardev socket,id=ctl,fd=9 "
				     "-serial chardev:ctl "));
	ck_assert_ptr_nonnull(strstr(all.s, "-incoming fd:7 "));
	child_clear(&c);
	spec.ctl = false;
	spec.incoming = NULL;
	ck_assert_int_eq(vm_command(&spec, &c, &err), 0);
	buf_reset(&all);
	for (size_t i = 0; i < c.argc; i++)
		buf_addf(&all, "%s ", c.argv[i]);
	ck_assert_ptr_null(strstr(all.s, "ctl"));
	ck_assert_ptr_null(strstr(all.s, "-incoming"));
	child_clear(&c);
	buf_release(&all);
	buf_release(&err);
}
END_TEST

/* ---- a restore whose RESUME event is lost ---- */

/* A stand-in QEMU for a restore: speaks QMP, never sends RESUME (as when the
 * incoming migration ends before the monitor is negotiated), answers
 * query-status with $STATUS, and once the plan comes on the control channel
 * writes a hello record holding the plan's first bytes. */
static const char restore_qemu[] =
	"#!/bin/bash\n"
	"qmp='' ctl='' rec=''\n"
	"while [ $# -gt 0 ]; do\n"
	"  case \"$1\" in\n"
	"  socket,id=qmp,fd=*) qmp=${1#socket,id=qmp,fd=} ;;\n"
	"  socket,id=ctl,fd=*) ctl=${1#socket,id=ctl,fd=} ;;\n"
	"  file,id=rec,path=*) rec=${1#file,id=rec,path=} ;;\n"
	"  esac\n"
	"  shift\n"
	"done\n"
	"printf '{\"QMP\": {}}\\r\\n' >&$qmp\n"
	"read -r -t 10 -u $qmp line; printf '{\"return\": {}}\\r\\n' >&$qmp\n"
	"[ -n \"$EVENT\" ] && printf '{\"event\": \"RESUME\"}\\r\\n' >&$qmp\n"
	"( while read -r -t 10 -u $qmp line; do\n"
	"    printf '{\"return\": {\"status\": \"%s\"}}\\r\\n' \"$STATUS\" >&$qmp\n"
	"  done ) &\n"
	"while read -r -t 10 -u $ctl line; do\n"
	"  case \"$line\" in '{'*) printf '{\"t\":\"hello\",\"plan\":\"%.8s\"}\\n' \"$line\" > \"$rec\"; exit 0 ;; esac\n"
	"done\n"
	"exit 3\n";

static void restore_case(const char *status, const char *event, bool delivered)
{
	char dir[] = "/tmp/oomlab-restore-XXXXXX", qemu[64], state[64], initrd[64], con[64], rec[64];
	struct vm_spec spec;
	struct vm vm;
	struct vm_outcome out;
	struct buf err = BUF_INIT, got = BUF_INIT;
	int r = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(qemu, sizeof(qemu), "%s/qemu", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd", dir);
	snprintf(con, sizeof(con), "%s/con", dir);
	snprintf(rec, sizeof(rec), "%s/rec", dir);
	write_bytes(qemu, restore_qemu, strlen(restore_qemu));
	chmod(qemu, 0755);
	write_bytes(state, "QEVM", 4);
	write_bytes(initrd, "cpio", 4);
	setenv("STATUS", status, 1);
	setenv("EVENT", event, 1);
	spec = (struct vm_spec){ .qemu = qemu, .kernel = "vmlinux", .initrd = initrd,
				 .mem_bytes = 256ull << 20, .accel = ACCEL_TCG, .console_path = con,
				 .records_path = rec, .incoming = state, .ctl = true,
				 .ctl_input = "\n\n\n\n{\"v\":1,\"seed\":\"ab\"}\n", .timeout_s = 8 };
	ck_assert_int_eq(vm_start(&spec, &vm, &err), 0);
	while (!(r = vm_poll(&vm, &out)))
		usleep(10000);
	if (buf_read_file(&got, rec, 4096, NULL) < 0)
		buf_reset(&got); /* nothing came: the guest never wrote a record */
	if (delivered) {
		ck_assert_msg(!out.timed_out && WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0,
			      "%s", out.why);
		ck_assert_str_eq(got.s, "{\"t\":\"hello\",\"plan\":\"{\"v\":1,\"\"}\n");
	} else {
		ck_assert(out.timed_out); /* never told the guest runs: nothing sent */
		ck_assert_uint_eq(got.len, 0);
	}
	ck_assert_int_eq(access(state, F_OK), 0); /* the snapshot stays in the cache */
	buf_release(&err);
	buf_release(&got);
	unsetenv("STATUS");
	unsetenv("EVENT");
	rm_rf(dir);
}

START_TEST(restore_without_resume_event)
{
	restore_case("running", "", true);      /* query-status tells */
	restore_case("inmigrate", "1", true);   /* the event tells */
	restore_case("inmigrate", "", false);   /* neither: the watchdog's case */
}
END_TEST

Suite *suite_snapshot(void)
{
	Suite *s = suite_create("snapshot");
	TCase *t = tcase_create("snapshot");

	tcase_add_test(t, pvh_note);
	tcase_add_test(t, payload_decoders);
	tcase_add_test(t, bzimage_header);
	tcase_add_test(t, pvh_cache);
	tcase_add_test(t, snapshot_key);
	tcase_add_test(t, snapshot_trim_budget);
	tcase_add_test(t, plan_line);
	tcase_add_test(t, qmp_save_commands);
	tcase_add_test(t, restore_arguments);
	tcase_add_test(t, restore_without_resume_event);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}
