/*
 * fuzz_inwx.c — libFuzzer target: any bytes as an INWX DomRobot JSON-RPC
 * answer. The first byte picks the method's result kind (INWX_K_*); the rest
 * goes through the envelope (code, msg, reason: inwx_status_of,
 * inwx_check_code) and that kind's resData parser, as the client does; the
 * raw kind is parsed without the code check, as account.login's answer is.
 * Prices must come out as the engine can use them (finite, in range).
 * Built by tests/fuzz/run.sh; tests/unit/test_fuzz_regress.c replays it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/inwx.h"
#include "providers/inwx_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FI_KINDS (INWX_K_RULES + 1)

/* a price is what the engine can turn into int cents: [0, 1e7), or -1 for none */
static void fi_price(double d)
{
	if (!(d == -1 || (d >= 0 && d < 1e7)))
		abort();
}

static void fi_check_prices(enum inwx_kind k, const void *res)
{
	if (k == INWX_K_CHECKS) {
		const struct inwx_check_list *l = res;

		for (size_t i = 0; i < l->n; i++) {
			fi_price(l->v[i].price);
			fi_price(l->v[i].premium_create);
			fi_price(l->v[i].premium_renew);
		}
	} else if (k == INWX_K_PRICES) {
		const struct inwx_price_list *l = res;

		for (size_t i = 0; i < l->n; i++) {
			fi_price(l->v[i].create_price);
			fi_price(l->v[i].renewal_price);
			fi_price(l->v[i].transfer_price);
		}
	} else if (k == INWX_K_ORDER) {
		fi_price(((const struct inwx_order *)res)->price);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum inwx_kind k;
	struct vrs_err err;
	char *body;
	void *res = NULL;

	if (size == 0)
		return 0;
	k = (enum inwx_kind)(data[0] % FI_KINDS);
	body = malloc(size);
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = 0;
	err_clear(&err);
	if (k == INWX_K_RAW) {
		cJSON *j = cJSON_Parse(body);
		bool ok;

		if (cJSON_IsObject(j)) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");

			(void)inwx_errcode(inwx_status_of(cJSON_IsNumber(c) ? c->valueint : 0));
			(void)inwx_check_code(j, "account.login", &err);
			res = inwx_parse_resp(k, j, &ok);
			if (ok)
				inwx_result_free(k, res);
		}
		cJSON_Delete(j);
	} else if (inwx_parse(k, body, &res, &err) == 0) {
		if (k == INWX_K_RULES)
			(void)inwx_rules_auth_code_needed(res, "de");
		fi_check_prices(k, res);
		inwx_result_free(k, res);
	}
	free(body);
	return 0;
}
