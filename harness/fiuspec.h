/* fiuspec.h - the `fiu=POINT[:PROBABILITY]` run-line option: a step runs
 * its workload under libfiu's POSIX preload, as `fiu-run -x -c CMD` would
 * (Debian's fiu-utils and libfiu0; fiu-run(1)), with the fault point POINT
 * enabled.  Shared by the controller (settings_args.c checks the option,
 * guestfs.c ships the preload, verdict_fiu.c reads it back from the step's
 * argv) and the guest agent (agent_fiu.c builds the environment).
 *
 * POINT is a libfiu POSIX-preload point ("posix/mm/mmap", "libc/mm/malloc",
 * "libc/mm/calloc", ...; the list is /usr/share/doc/fiu-utils/
 * function_list.gz), or a prefix followed by '*' (every point under
 * "posix/mm/").  PROBABILITY
 * is 0 to 1 with at most 6 decimals (default 1): 1 is fiu-run's
 * `enable name=POINT`, anything else `enable_random name=POINT,
 * probability=P`.  Every point gets failinfo 12: the generated POSIX
 * wrappers set errno to failinfo when it is not 0, else to a random errno
 * of the function's list (libfiu preload/posix/codegen.h,
 * mkwrap_body_errno), so a failed mmap() says ENOMEM, as a refusal of the
 * kernel would; the malloc family sets ENOMEM itself.
 */
#ifndef OOMLAB_FIUSPEC_H
#define OOMLAB_FIUSPEC_H

#include <stdbool.h>
#include <stddef.h>

#define FIU_ARG          "fiu="      /* the run-line key */
#define FIU_MAX_POINTS   8           /* fiu= arguments per step */
#define FIU_NAME_MAX     64          /* bytes of a point name, NUL included */
#define FIU_FAILINFO     12          /* ENOMEM */
#define FIU_PPM          1000000     /* probability 1 */
/* Debian's libfiu0 puts the preload libraries here, and the guest has them
 * at the same path; the dynamic stressors are GUEST_DIR/oomwl-fiu on the
 * host, FIU_GUEST_BINARY in the guest (basename oomwl: the same comm). */
#define FIU_PRELOAD_DIR  "/usr/lib/fiu"
#define FIU_RUN_PRELOAD  FIU_PRELOAD_DIR "/fiu_run_preload.so"
#define FIU_POSIX_PRELOAD FIU_PRELOAD_DIR "/fiu_posix_preload.so"
#define FIU_HOST_BINARY  "oomwl-fiu"
#define FIU_GUEST_BINARY "/bin/fiu/oomwl"

struct fiu_point {
	char name[FIU_NAME_MAX];
	long ppm;                  /* probability in millionths, 0..FIU_PPM */
};

/* Is arg a fiu= option? */
bool fiu_is_arg(const char *arg);
/* Parse the text after "fiu=".  false with a message in err (what is
 * allowed) when it is not POINT[:PROBABILITY]. */
bool fiu_parse(const char *spec, struct fiu_point *p, char *err, size_t errlen);
/* The libfiu remote-control command for p (one line of FIU_ENABLE, as
 * fiu-run -c passes it).  Returns false if it did not fit. */
bool fiu_command(const struct fiu_point *p, char *out, size_t len);
/* "0.25", "1", "0": the probability as text. */
void fiu_prob_text(long ppm, char *out, size_t len);

#endif
