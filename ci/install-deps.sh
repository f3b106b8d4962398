#!/bin/sh
# Install the Debian packages oomlab needs to build, test and run.
# As root: apt-get install them.  Otherwise: print the command and exit 2.
set -eu
# liblzma, libzstd, zlib: unpacking a bzImage's payload into vmlinux for the
# faster PVH boot (harness/kernel_vmlinux.c).
# libxml2-utils (xmllint), python3: `make validate-reports` (ci/); parallel:
# ci/parallel-shards.sh.  slurm-wlm and munge only for ci/slurm-test.sh.
# libfiu0 (/usr/lib/fiu/fiu_run_preload.so, fiu_posix_preload.so) and
# fiu-utils (fiu-run): the guest's fiu= option ships the preload libraries
# into the initramfs (harness/guestfs.c); libfiu-dev: the controller's own
# fault points.
# chromium and imagemagick: harness/tests/html-shot.sh, the check that the
# HTML reports render (make bench-html-check, part of make test).
# clang and libclang-rt-dev (the libFuzzer and sanitizer runtimes, only
# recommended by clang): the fuzz targets of `make fuzz` / `make fuzz-smoke`.
PKGS="build-essential pkg-config qemu-system-x86 qemu-utils kmod util-linux
      libjson-c-dev libinih-dev libarchive-dev liblzma-dev libzstd-dev zlib1g-dev libfiu-dev libfiu0 fiu-utils check stress-ng
      clang libclang-rt-dev libxml2-utils python3 parallel chromium imagemagick"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "oomlab: missing Debian packages:$missing" >&2
	echo "oomlab: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 2
fi
echo "oomlab: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
