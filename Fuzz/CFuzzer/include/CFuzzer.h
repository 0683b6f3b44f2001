#ifndef REGIMEN_GUARD_CFUZZER_H
#define REGIMEN_GUARD_CFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver with `callback` when the program was linked with `-sanitize=fuzzer`;
/// returns -1 when it was not (libFuzzer's entry point is then absent).
int regimen_guard_run_fuzzer(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
