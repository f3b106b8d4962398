/* agent_swap.c - swap for the guest: a zram device or the controller's disk.
 *
 * The guest has no mkswap, so the zram device gets its swap header written
 * here, by hand.  The layout is the kernel's union swap_header
 * (include/linux/swap.h): page 0 holds, at byte 1024, __u32 version (1),
 * __u32 last_page (index of the last usable page), __u32 nr_badpages (0),
 * 16 bytes of UUID and 16 of label (left zero), and ends with the
 * 10-byte signature "SWAPSPACE2" at PAGE_SIZE - 10.  mm/swapfile.c
 * (read_swap_header) checks the signature and version 1, refuses
 * last_page 0 and caps the area at last_page + 1 pages.  Native byte order
 * (the kernel swabs a header written by the other endianness).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"

#define ZRAM_DEV      "/dev/zram0"
#define ZRAM_DISKSIZE "/sys/block/zram0/disksize"
#define SWAP_INFO_OFFSET 1024
#define SWAP_MAGIC "SWAPSPACE2"

static int write_swap_header(const char *dev, long long bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	long long pages = bytes / (long long)page;
	uint32_t info[3];
	_cleanup_free_ char *hdr = NULL;
	_cleanup_close_ int fd = -1;

	/* last_page is a __u32; 2 pages are the least that holds a header
	 * and one page of swap. */
	if (pages < 2 || pages - 1 > UINT32_MAX)
		return -EINVAL;
	hdr = calloc(1, page);
	if (!hdr)
		return -ENOMEM;
	info[0] = 1;                       /* version */
	info[1] = (uint32_t)(pages - 1);   /* last_page */
	info[2] = 0;                       /* nr_badpages */
	memcpy(hdr + SWAP_INFO_OFFSET, info, sizeof(info));
	memcpy(hdr + page - 10, SWAP_MAGIC, 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, hdr, page, 0) != (ssize_t)page)
		return errno ? -errno : -EIO;
	if (fsync(fd))
		return -errno;
	return 0;
}

static void setup_zram(struct agent *ag, json_object *swap)
{
	json_object *b;
	long long bytes = -1;
	char val[32];
	int err;

	if (json_object_object_get_ex(swap, "bytes", &b) && json_object_is_type(b, json_type_int))
		bytes = json_object_get_int64(b);
	snprintf(val, sizeof(val), "%lld", bytes);
	if (bytes <= 0) {
		rec_setup(ag, "swap", "zram0/disksize", val, EINVAL, "swap.bytes must be > 0");
		return;
	}
	err = -write_text(ZRAM_DISKSIZE, val);
	rec_setup(ag, "swap", "zram0/disksize", val, err,
		  err == ENOENT ? "no /sys/block/zram0: is the zram module loaded?" : NULL);
	if (err)
		return;
	err = -write_swap_header(ZRAM_DEV, bytes);
	rec_setup(ag, "swap", "header", ZRAM_DEV, err, NULL);
	if (err)
		return;
	err = swapon(ZRAM_DEV, 0) ? errno : 0;
	rec_setup(ag, "swap", "swapon", ZRAM_DEV, err, NULL);
}

static void setup_disk(struct agent *ag, json_object *swap)
{
	json_object *d;
	const char *dev = "/dev/vda";
	int err;

	if (json_object_object_get_ex(swap, "device", &d) && json_object_is_type(d, json_type_string))
		dev = json_object_get_string(d);
	if (strncmp(dev, "/dev/", 5) || strstr(dev, "..") || strlen(dev) > 64) {
		rec_setup(ag, "swap", "swapon", dev, EINVAL, "swap.device must be under /dev");
		return;
	}
	err = swapon(dev, 0) ? errno : 0;
	rec_setup(ag, "swap", "swapon", dev, err,
		  err == ENOENT ? "no such device: is virtio_blk loaded and the disk attached?"
				: NULL);
}

void setup_swap(struct agent *ag, json_object *swap)
{
	json_object *k;
	const char *kind = "";

	if (!swap || json_object_is_type(swap, json_type_null))
		return;
	if (json_object_object_get_ex(swap, "kind", &k) && json_object_is_type(k, json_type_string))
		kind = json_object_get_string(k);
	if (!strcmp(kind, "zram"))
		setup_zram(ag, swap);
	else if (!strcmp(kind, "disk"))
		setup_disk(ag, swap);
	else
		rec_setup(ag, "swap", "kind", kind, EINVAL, "swap.kind must be zram or disk");
}
