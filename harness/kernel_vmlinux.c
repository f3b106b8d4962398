/* kernel_vmlinux.c - the uncompressed vmlinux inside a bzImage, for QEMU's
 * PVH boot (kernel.h kernel_pvh_image).
 *
 * Why: under TCG a bzImage spends most of its boot decompressing itself
 * (Debian 6.1: xz, about 3.4 s of 5.7 s to init).  QEMU boots an ELF vmlinux
 * directly through its PVH entry point when the ELF carries the
 * XEN_ELFNOTE_PHYS32_ENTRY note (QEMU hw/i386/x86.c, load_elfboot), which the
 * kernel emits with CONFIG_PVH (arch/x86/platform/pvh/head.S:
 * ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, ...); include/xen/interface/elfnote.h:
 * XEN_ELFNOTE_PHYS32_ENTRY is 18).
 *
 * Where the payload is: the setup header at 0x1f1 of the bzImage
 * (Documentation/arch/x86/boot.rst, boot protocol 2.08 and later):
 * setup_sects at 0x1f1 (0 means 4), "HdrS" at 0x202, the protocol version at
 * 0x206, payload_offset at 0x248 and payload_length at 0x24c, the offset
 * counted from the start of the protected-mode code, (setup_sects + 1) * 512.
 * The payload is the compressed vmlinux ELF (arch/x86/boot/compressed/
 * Makefile: vmlinux.bin.{gz,xz,zst,...}; Debian: xz for 6.1, zstd for 6.12),
 * followed by its size (scripts/Makefile.lib size_append), which the
 * decoders below ignore since they stop at the end of the first stream.
 *
 * The libraries do the decompression (liblzma, libzstd, zlib); only the
 * header and the ELF note walk are ours, both bounded.
 *
 * The result is cached under CACHE/vmlinux/<FNV-1a of the image>-<size>.elf,
 * written atomically; an image without a usable PVH vmlinux leaves a
 * ".nopvh" marker with the reason, so that it is not unpacked again.
 */
#include "kernel.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "cleanup.h"
#include "report.h"

#define IMAGE_MAX (128u << 20)    /* a bzImage larger than this is not one */
#define VMLINUX_MAX (1024u << 20) /* an unpacked kernel larger than this neither */
#define CHUNK (1u << 20)
#define PVH_NOTE 18               /* XEN_ELFNOTE_PHYS32_ENTRY */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the PVH note of an ELF64 vmlinux ---- */

/* Whether the notes in [p, p + len) hold Xen's PHYS32_ENTRY. */
static bool notes_have_pvh(const unsigned char *p, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t name, desc;

		memcpy(&nh, p + off, sizeof(nh));
		off += sizeof(nh);
		name = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		desc = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (name > len - off || desc > len - off - name)
			return false;
		if (nh.n_type == PVH_NOTE && nh.n_namesz == 4 && !memcmp(p + off, "Xen", 4))
			return true;
		off += name + desc;
	}
	return false;
}

bool kernel_elf_has_pvh(const unsigned char *elf, size_t len)
{
	Elf64_Ehdr eh;

	if (len < sizeof(eh) || memcmp(elf, ELFMAG, SELFMAG) || elf[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&eh, elf, sizeof(eh));
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
	    (size_t)eh.e_phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr))
		return false;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			continue;
		if (notes_have_pvh(elf + ph.p_offset, ph.p_filesz))
			return true;
	}
	return false;
}

/* ---- the payload of a bzImage ---- */

int kernel_bzimage_payload(const unsigned char *img, size_t len, size_t *off, size_t *plen,
			   struct buf *why)
{
	size_t setup, start;

	if (len < 0x250 || memcmp(img + 0x202, "HdrS", 4)) {
		buf_addstr(why, "not a bzImage (no \"HdrS\" at 0x202)");
		return -1;
	}
	if ((img[0x206] | img[0x207] << 8) < 0x208) {
		buf_addf(why, "boot protocol %u.%02u has no payload fields (2.08 or later needed)",
			 img[0x207], img[0x206]);
		return -1;
	}
	setup = img[0x1f1] ? img[0x1f1] : 4;
	start = (setup + 1) * 512;
	*off = start + le32(img + 0x248);
	*plen = le32(img + 0x24c);
	if (start > len || *off > len || *plen > len - *off || *plen < 16) {
		buf_addf(why, "payload at %zu (+%zu bytes) lies outside the %zu-byte image", *off,
			 *plen, len);
		return -1;
	}
	return 0;
}

/* ---- decompression into a growing buffer, bounded ---- */

static int grow(struct buf *out, size_t need)
{
	if (out->len + need > VMLINUX_MAX)
		return -1;
	buf_grow(out, need);
	return 0;
}

static int unxz(const unsigned char *in, size_t len, struct buf *out, struct buf *why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
		buf_addstr(why, "liblzma: cannot start the decoder");
		return -1;
	}
	s.next_in = in;
	s.avail_in = len;
	do {
		if (grow(out, CHUNK) < 0) {
			lzma_end(&s);
			buf_addstr(why, "xz payload unpacks to more than 1 GiB");
			return -1;
		}
		s.next_out = (uint8_t *)out->s + out->len;
		s.avail_out = CHUNK;
		r = lzma_code(&s, LZMA_FINISH);
		out->len += CHUNK - s.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		buf_addf(why, "xz payload: liblzma error %d", (int)r);
		return -1;
	}
	return 0;
}

static void zstd_freep(ZSTD_DStream **d)
{
	ZSTD_freeDStream(*d);
}

static int unzstd(const unsigned char *in, size_t len, struct buf *out, struct buf *why)
{
	_cleanup_(zstd_freep) ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;

	if (!d || ZSTD_isError(ZSTD_initDStream(d))) {
		buf_addstr(why, "libzstd: cannot start the decoder");
		return -1;
	}
	while (r != 0) {
		ZSTD_outBuffer ob;

		if (grow(out, CHUNK) < 0) {
			buf_addstr(why, "zstd payload unpacks to more than 1 GiB");
			return -1;
		}
		ob = (ZSTD_outBuffer){ out->s + out->len, CHUNK, 0 };
		r = ZSTD_decompressStream(d, &ob, &ib);
		out->len += ob.pos;
		if (ZSTD_isError(r)) {
			buf_addf(why, "zstd payload: %s", ZSTD_getErrorName(r));
			return -1;
		}
		if (r != 0 && ib.pos == ib.size && ob.pos < CHUNK) {
			buf_addstr(why, "zstd payload is truncated");
			return -1;
		}
	}
	return 0;
}

static int ungzip(const unsigned char *in, size_t len, struct buf *out, struct buf *why)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (len > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		buf_addstr(why, "zlib: cannot start the decoder");
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	do {
		if (grow(out, CHUNK) < 0) {
			inflateEnd(&z);
			buf_addstr(why, "gzip payload unpacks to more than 1 GiB");
			return -1;
		}
		z.next_out = (Bytef *)out->s + out->len;
		z.avail_out = CHUNK;
		r = inflate(&z, Z_NO_FLUSH);
		out->len += CHUNK - z.avail_out;
	} while (r == Z_OK);
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		buf_addf(why, "gzip payload: zlib error %d", r);
		return -1;
	}
	return 0;
}

int kernel_unpack_payload(const unsigned char *p, size_t len, struct buf *out, struct buf *why)
{
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char gz[] = { 0x1f, 0x8b };

	buf_reset(out);
	if (len >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		return unxz(p, len, out, why);
	if (len >= sizeof(zst) && !memcmp(p, zst, sizeof(zst)))
		return unzstd(p, len, out, why);
	if (len >= sizeof(gz) && !memcmp(p, gz, sizeof(gz)))
		return ungzip(p, len, out, why);
	buf_addf(why, "payload compressed with something other than xz, zstd or gzip "
		 "(magic %02x %02x %02x %02x)", p[0], p[1], p[2], p[3]);
	return -1;
}

/* ---- the cache ---- */

static uint64_t fnv1a64(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Unpack img into path (atomically); 0, or -1 with why set (and a marker
 * written next to it so that the next run does not try again). */
static int unpack_to(const unsigned char *img, size_t len, const char *path, const char *marker,
		     struct buf *why)
{
	_cleanup_buf_ struct buf elf = BUF_INIT, err = BUF_INIT;
	size_t off, plen;

	if (kernel_bzimage_payload(img, len, &off, &plen, why) < 0 ||
	    kernel_unpack_payload(img + off, plen, &elf, why) < 0)
		goto no;
	if (!kernel_elf_has_pvh((const unsigned char *)elf.s, elf.len)) {
		buf_addstr(why, "the unpacked vmlinux has no PVH entry note (CONFIG_PVH is not set)");
		goto no;
	}
	if (write_file_atomic(path, elf.s, elf.len, &err) < 0) {
		buf_add(why, err.s, err.len);
		return -1; /* a write problem is not the image's fault: no marker */
	}
	return 0;
no:
	write_file_atomic(marker, why->s, why->len, &err);
	return -1;
}

int kernel_pvh_image(const char *image, const char *cache_dir, char *out, size_t olen,
		     struct buf *why)
{
	_cleanup_buf_ struct buf img = BUF_INIT, path = BUF_INIT, marker = BUF_INIT;
	bool truncated = false;
	struct stat st;
	uint64_t h;

	out[0] = '\0';
	if (buf_read_file(&img, image, IMAGE_MAX, &truncated) < 0 || truncated) {
		buf_addf(why, "%s: %s", image, truncated ? "larger than 128 MiB" : strerror(errno));
		return -1;
	}
	if (kernel_elf_has_pvh((const unsigned char *)img.s, img.len))
		return snprintf(out, olen, "%s", image) < (int)olen ? 0 : -1;
	h = fnv1a64((const unsigned char *)img.s, img.len);
	buf_addf(&path, "%s/vmlinux", cache_dir);
	if (mkdir(path.s, 0755) < 0 && errno != EEXIST) {
		buf_addf(why, "%s: %s", path.s, strerror(errno));
		return -1;
	}
	buf_addf(&path, "/%016" PRIx64 "-%zu.elf", h, img.len);
	buf_addf(&marker, "%.*s.nopvh", (int)path.len - 4, path.s);
	if (buf_read_file(why, marker.s, 512, NULL) == 0) /* tried before */
		return -1;
	buf_reset(why);
	if (stat(path.s, &st) < 0 && unpack_to((const unsigned char *)img.s, img.len, path.s,
					       marker.s, why) < 0)
		return -1;
	return snprintf(out, olen, "%s", path.s) < (int)olen ? 0 : -1;
}
