/*
 * fuzz_spec.c — libFuzzer target: any bytes through spec_parse_buffer (parse,
 * decode, cross-check, sort), then free everything. Finds crashes, leaks,
 * undefined behaviour and hangs in src/spec/ (and the model code it calls).
 * Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m_world w;
	struct diag_list d;

	world_init(&w);
	diag_init(&d);
	spec_parse_buffer("fuzz.yaml", (const char *)data, size, &w, &d);
	diag_sort(&d);
	world_release(&w);
	diag_release(&d);
	return 0;
}
