#ifndef KEYSYNC_CFUZZDRIVER_H
#define KEYSYNC_CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver, in libFuzzer since LLVM 11) on `callback` with
/// the program's arguments. Returns -1 without doing anything when libFuzzer is not linked in,
/// which is the case unless the program was built with -sanitize=fuzzer.
int keysync_fuzz_run_driver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
