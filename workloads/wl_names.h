/* wl_names.h - the stressors, as an X-macro list shared by the guest's
 * registry (wl_registry.c) and the controller, which checks scenario files
 * against it.  WL(name, arguments, summary). */
#ifndef OOMLAB_WL_NAMES_H
#define OOMLAB_WL_NAMES_H

#define WL_LIST(WL) \
	WL(mmap, "size=BYTES touch=0|1", "one anonymous private mmap; touch=1 writes every page") \
	WL(hog, "size=BYTES chunk=BYTES", "mmap and touch chunk after chunk until size is touched")

#endif
