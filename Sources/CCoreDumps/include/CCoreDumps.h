#ifndef KEYSYNC_CCOREDUMPS_H
#define KEYSYNC_CCOREDUMPS_H

/// Sets RLIMIT_CORE to {0, 0} and, on Linux, marks the process not dumpable
/// (prctl(PR_SET_DUMPABLE, 0)). Returns 0, or -1 with errno set. In C because prctl is
/// variadic, which Swift cannot call.
int keysync_disable_core_dumps(void);

#endif
