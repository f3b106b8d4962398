/* wl_names.h - the stressors, as an X-macro list shared by the guest's
 * registry (wl_registry.c) and the controller, which checks scenario files
 * against it.  WL(name, arguments, summary).  Formats: workloads/README.md. */
#ifndef OOMLAB_WL_NAMES_H
#define OOMLAB_WL_NAMES_H

#define WL_LIST(WL) \
	WL(mmap, "size=BYTES touch=0|1 noreserve=0|1 shared=0|1 hugetlb=0|1", \
	   "one anonymous mmap (private unless shared=1); touch=1 writes every page") \
	WL(hog, "size=BYTES chunk=BYTES procs=N adj=A,B,.. sleepers=N", \
	   "mmap and touch chunk after chunk until size is touched; procs=N: N such processes") \
	WL(bisect, "size_hi=BYTES size_lo=BYTES step=BYTES", \
	   "binary search for the largest private mmap the kernel grants (mmap+munmap probes)") \
	WL(brk, "size=BYTES touch=0|1", "grow the heap with sbrk in 1 MiB steps") \
	WL(mremap, "size=BYTES touch=0|1", "mmap 1 MiB, then mremap(MREMAP_MAYMOVE) it to size") \
	WL(fork, "size=BYTES touch=0|1", "map and touch size bytes, then fork (the copy is committed)") \
	WL(shm, "size=BYTES touch=0|1", "one SysV segment shmget(IPC_PRIVATE, size); touch=1 attaches and writes it") \
	WL(sysrq, "key=C unit=BYTES sizes=N,.. adj=A,.. names=a,.. wait_ms=MS", "members touch sizes[i]*unit and sit; then the key (f: manual OOM) goes to /proc/sysrq-trigger") \
	WL(mbind, "node=N size=BYTES chunk=BYTES", "hog with every chunk bound to NUMA node N (MPOL_BIND)") \
	WL(frag, "keep=BYTES drain=N", \
	   "fragment free memory (mlock, give back even page frames, drain orders 10..N); report /proc/buddyinfo") \
	WL(pipe, "order=N|size=BYTES frag=0|1 fill=0|1 keep=BYTES margin=BYTES max=N", \
	   "pipe rings of an order (F_SETPIPE_SZ) until the kernel refuses one or the OOM killer kills the helper") \
	WL(sockbuf, "order=N|size=BYTES frag=0|1 keep=BYTES max=N", \
	   "a sendmsg control buffer of an order (sock_kmalloc) until it fails with ENOBUFS")

#endif
