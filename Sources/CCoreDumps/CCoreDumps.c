#include "CCoreDumps.h"

#include <sys/resource.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

int keysync_disable_core_dumps(void) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
#if defined(__linux__)
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return -1;
#endif
    return 0;
}
