#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry point for a program that has its own main: SwiftPM names an
// executable's entry `<module>_main` and links `main` to it, so each target's entry calls
// this driver (from libclang_rt.fuzzer, linked by -sanitize=fuzzer) instead of relying on
// libFuzzer's own main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
