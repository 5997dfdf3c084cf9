/*
 * test_inwx_sim.c — the INWX client against the loopback simulator
 * (tests/sim/vrs_sim.py, started here): every client call, and the faults
 * (dropped sessions, 2400 bursts, malformed JSON, wrong content type, huge
 * bodies, a wrong password, 2FA and a used TAN). Traces never hold secrets.
 * Skips (passes with a note) when python3 or the simulator is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inwx_block.h"
#include "sim_harness.h"

static void test_inwx_all_calls(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx_account *acc = NULL;
	struct inwx_created *cr = NULL;
	struct inwx_zone_list *zl = NULL;
	struct inwx_zone_info *zi = NULL;
	struct inwx_check_list *chk = NULL;
	struct inwx_price_list *pr = NULL;
	struct inwx_contact_list *cl = NULL;
	struct inwx_order *ord = NULL;
	struct inwx_domain *dom = NULL;
	struct inwx_domain_list *dl = NULL;
	const char *zones[] = {"a-zone.de", "b-zone.de", "c-zone.de", "d-zone.de", "e-zone.de"};

	OK(inwx_login(x->w, &acc, &x->err));
	assert_true(acc->customer_id > 0);
	inwx_account_free(acc);
	assert_true(inwx_logged_in(x->w));
	OK(inwx_info(x->w, &acc, &x->err));
	inwx_account_free(acc);
	for (size_t i = 0; i < 5; i++) {
		OK(inwx_zone_create(x->w, zones[i], "MASTER", NULL, 0, &cr, &x->err));
		assert_true(cr->ro_id > 0);
		inwx_created_free(cr);
	}
	/* page size 2: three pages */
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	assert_int_equal(zl->n, 5);
	assert_int_equal(zl->count, 5);
	inwx_zone_list_free(zl);
	struct inwx_record_input rin = {.domain = "a-zone.de",
					.name = "www.a-zone.de",
					.type = "A",
					.content = "203.0.113.10",
					.ttl = 300};
	OK(inwx_record_create(x->w, &rin, &cr, &x->err));
	assert_non_null(cr->id);
	FAILS(inwx_record_create(x->w, &rin, NULL, &x->err), "nameserver.createRecord: 2302");
	assert_int_equal(x->err.remote_code, 2302);
	struct inwx_record_filter f = {.type = "A"};
	OK(inwx_zone_info(x->w, "a-zone.de", &f, &zi, &x->err));
	assert_int_equal(zi->n_records, 1);
	assert_string_equal(zi->records[0].id, cr->id);
	assert_string_equal(zi->records[0].name, "www.a-zone.de");
	assert_int_equal(zi->records[0].ttl, 300);
	inwx_zone_info_free(zi);
	struct inwx_record_update ru = {.content = "203.0.113.11"};
	OK(inwx_record_update(x->w, cr->id, &ru, &x->err));
	OK(inwx_record_delete(x->w, cr->id, false, &x->err));
	f.type = "AAAA";
	OK(inwx_zone_info(x->w, "a-zone.de", &f, &zi, &x->err));
	assert_int_equal(zi->n_records, 0);
	inwx_zone_info_free(zi);
	inwx_created_free(cr);
	FAILS(inwx_zone_info(x->w, "missing.de", NULL, &zi, &x->err), "nameserver.info: 2303");

	const char *doms[] = {"free-domain.de", "taken-domain.de", "premium-domain.de"};
	OK(inwx_domain_check(x->w, doms, 3, &chk, &x->err));
	assert_int_equal(chk->n, 3);
	assert_int_equal(chk->v[0].avail, 1);
	assert_int_equal(chk->v[1].avail, 0);
	/* a premium name: its own prices (sent with wide), beside the regular price */
	assert_false(chk->v[0].premium);
	assert_true(chk->v[0].premium_create < 0);
	assert_true(chk->v[2].premium);
	assert_true(chk->v[2].premium_create > 499.0 && chk->v[2].premium_renew > 499.0);
	assert_true(chk->v[2].price < chk->v[2].premium_create);
	inwx_check_list_free(chk);
	const char *tlds[] = {"de", "com"};
	OK(inwx_domain_prices(x->w, tlds, 2, &pr, &x->err));
	assert_int_equal(pr->n, 2);
	assert_true(pr->v[0].create_price > 0);
	inwx_price_list_free(pr);
	OK(inwx_contacts_list(x->w, NULL, &cl, &x->err));
	assert_true(cl->n >= 1 && cl->v[0].id > 0);
	struct inwx_domain_input din = {.domain = "free-domain.de",
					.period = "1Y",
					.registrant = cl->v[0].id,
					.admin = cl->v[0].id,
					.tech = cl->v[0].id,
					.billing = cl->v[0].id,
					.renewal_mode = "AUTORENEW",
					.transfer_lock = 1};
	OK(inwx_domain_create(x->w, &din, &ord, &x->err));
	assert_int_equal(ord->code, 1001);
	assert_true(ord->ro_id > 0);
	inwx_order_free(ord);
	struct inwx_domain_input tin = {.domain = "moving.de",
					.auth_code = "Xy7$-abc",
					.registrant = cl->v[0].id,
					.transfer_lock = -1};
	OK(inwx_domain_transfer(x->w, &tin, &ord, &x->err));
	inwx_order_free(ord);
	inwx_contact_list_free(cl);
	OK(inwx_domain_info(x->w, "free-domain.de", &dom, &x->err));
	assert_string_equal(dom->domain, "free-domain.de");
	assert_true(dom->n_ns >= 1);
	inwx_domain_free(dom);
	OK(inwx_domains_list(x->w, &dl, &x->err));
	assert_int_equal(dl->n, 2);
	inwx_domain_list_free(dl);
	struct inwx_response *raw = NULL;
	OK(inwx_call(x->w, "domain.getRules", NULL, &raw, &x->err));
	assert_int_equal(raw->code, 1000);
	assert_non_null(raw->res_data);
	inwx_response_free(raw);
	OK(inwx_logout(x->w, &x->err));
	assert_false(inwx_logged_in(x->w));
	/* the next call logs in again */
	OK(inwx_info(x->w, &acc, &x->err));
	inwx_account_free(acc);
	/* the password goes out only redacted */
	assert_non_null(strstr(x->trace.data, "\"pass\":\"[REDACTED]\""));
	assert_non_null(strstr(x->trace.data, "Cookie: [REDACTED]"));
}

static void test_inwx_faults(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx_zone_list *zl = NULL;
	struct inwx_created *cr = NULL;
	char *calls;

	OK(inwx_zone_create(x->w, "f-zone.de", NULL, NULL, 0, &cr, &x->err));
	inwx_created_free(cr);
	/* 2400 bursts are retried */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.createRecord\",\"kind\":\"inwx2400\",\"count\":"
	       "3}]}");
	struct inwx_record_input rin = {
	    .domain = "f-zone.de", .name = "f-zone.de", .type = "A", .content = "203.0.113.10"};
	OK(inwx_record_create(x->w, &rin, &cr, &x->err));
	inwx_created_free(cr);
	/* 2500 drops the session: re-login and resend */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.list\",\"kind\":\"inwx2500\",\"count\":1}]}");
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	/* expired sessions server-side */
	free(admin(x, g_sim.admin_i, "state", "{\"op\":\"drop_sessions\"}"));
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	calls = admin(x, g_sim.admin_i, "calls", NULL);
	assert_non_null(calls);
	assert_non_null(strstr(calls, "\"account.login\": 3"));
	free(calls);
	/* persistent 2400: a clear transient error */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"inwx2400\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err),
	      "inwx: POST nameserver.info: 2400");
	assert_true(x->err.transient);
	/* transport faults */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"drop\",\"count\":1},"
	       "{\"match\":\"nameserver.list\",\"kind\":\"http503\",\"count\":2}]}");
	OK(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err));
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"malformed\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "malformed JSON");
	faults(x, g_sim.admin_i, "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"html\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "text/html");
	faults(x, g_sim.admin_i, "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"huge\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "larger than");
	faults(x, g_sim.admin_i, "{\"rules\":[]}");
}

static void test_inwx_bad_password(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx *bad = inwx_new(x->pool, g_sim.inwx_url, USER, "wrong-password", NULL, &x->err);
	struct inwx_zone_list *zl = NULL;

	assert_non_null(bad);
	FAILS(inwx_zones_list(bad, NULL, &zl, &x->err), "inwx: account.login: 2200");
	assert_int_equal(x->err.remote_code, 2200);
	/* sticky: no second login attempt */
	FAILS(inwx_zones_list(bad, NULL, &zl, &x->err), "account.login: 2200");
	inwx_free(bad);
	assert_null(strstr(x->trace.data, "wrong-password"));
}

static void test_inwx_2fa(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct sim s2;
	struct inwx_opts io;
	struct inwx *w2, *w3, *w4;
	struct inwx_account *acc = NULL;

	memset(&s2, 0, sizeof(s2));
	if (sim_start(&s2, TOTP) < 0)
		fail_msg("second simulator did not start");
	memset(&io, 0, sizeof(io));
	io.retry = fast_retry();
	io.totp_secret = TOTP;
	w2 = inwx_new(x->pool, s2.inwx_url, USER, PASS, &io, &x->err);
	assert_non_null(w2);
	OK(inwx_login(w2, &acc, &x->err));
	inwx_account_free(acc);
	assert_non_null(strstr(x->trace.data, "\"tan\":\"[REDACTED]\""));
	/* no TOTP secret configured */
	w3 = inwx_new(x->pool, s2.inwx_url, USER, PASS, NULL, &x->err);
	FAILS(inwx_info(w3, &acc, &x->err), "two-factor");
	/* wrong secret: wrong TAN */
	io.totp_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	w4 = inwx_new(x->pool, s2.inwx_url, USER, PASS, &io, &x->err);
	FAILS(inwx_info(w4, &acc, &x->err), "inwx: account.unlock: 2200");
	inwx_free(w2);
	inwx_free(w3);
	inwx_free(w4);
	sim_stop(&s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_inwx_all_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_bad_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_2fa, setup, teardown),
	};

	return sim_run(tests, sizeof(tests) / sizeof(tests[0]));
}
