/* wl_registry.c - the one table of stressors (as in stress-ng), generated
 * from the list in wl_names.h that the controller also reads. */
#include "wl.h"

#define WL_ROW(name, args, summary) { #name, wl_##name, args, summary },
const struct wl_entry wl_registry[] = {
	WL_LIST(WL_ROW)
};
#undef WL_ROW

const size_t wl_registry_len = sizeof(wl_registry) / sizeof(wl_registry[0]);
