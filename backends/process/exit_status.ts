/**
 * The process exit status says how a run ended, so scripts and sandboxes can
 * tell a guest that powered off from one that was stopped or never started.
 */

/** The guest powered off or rebooted (demu ends there, as TinyEMU does), or
 * C-a x or a signal ended the run. A guest that powers off with a failure
 * code n (the test finisher, HTIF) exits with n. */
export const EXIT_POWEROFF = 0;
/** demu itself failed: a bug or a host failure during the run. */
export const EXIT_ERROR = 1;
/** Bad usage, config or file, or a missing permission: nothing ran. */
export const EXIT_USAGE = 2;
/** The run reached --max-insns or --timeout (timeout(1)'s status). */
export const EXIT_LIMIT = 124;

/** The statuses as --help and the README list them. */
export const EXIT_STATUS_HELP = `exit status:
  0    the guest powered off or rebooted (n: it powered off with failure code n)
  124  the guest was stopped by --max-insns or --timeout
  1    demu failed while running (a bug or a host failure)
  2    bad usage, config or file, or a missing permission (nothing ran)`;
