/*
 * fuzz_coolify.c — libFuzzer target: any bytes as a Coolify answer. The first
 * byte picks the reader: one of coolify_parse's result kinds (every 2xx
 * parser), or the error-body reader (coolify_error_text, with a status and
 * content type from the byte), the doctor's answer classifier or the text
 * trimmer; the rest is the body. Everything parsed is freed (leaks show).
 * Built by tests/fuzz/run.sh; tests/unit/test_fuzz_regress.c replays it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/coolify_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FC_KINDS (COOLIFY_K_APP_DEPLOYMENTS + 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = {400, 401, 403, 404, 409, 422, 429, 500, 502, 503};
	struct vrs_err err;
	unsigned sel;
	char *body;
	void *res = NULL;

	if (size == 0)
		return 0;
	sel = data[0];
	body = malloc(size); /* the body, NUL-terminated as the HTTP layer hands it */
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = 0;
	err_clear(&err);
	if (sel % 32 < FC_KINDS) {
		enum coolify_kind k = (enum coolify_kind)(sel % 32);

		if (coolify_parse(k, body, &res, &err) == 0)
			coolify_result_free(k, res);
	} else if (sel % 32 < FC_KINDS + 4) {
		coolify_error_text(statuses[(sel / 32) % 10], body,
				   sel & 0x80 ? "text/html; charset=UTF-8" : "application/json",
				   &err);
	} else if (sel % 32 < FC_KINDS + 6) {
		(void)coolify_answer_of(statuses[(sel / 32) % 10], body);
	} else {
		free(coolify_trimmed_text(body));
	}
	free(body);
	return 0;
}
