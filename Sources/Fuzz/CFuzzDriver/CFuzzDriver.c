#include "CFuzzDriver.h"

// Weak: a normal build links without libFuzzer and sees a null address here. C, because the
// declaration must be a C function's and Swift cannot declare a weak symbol.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))
    __attribute__((weak));

int keysync_fuzz_run_driver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size)) {
    if (LLVMFuzzerRunDriver == NULL) return -1;
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
