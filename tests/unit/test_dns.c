/* test_dns.c — the DNS message parser of providers/dns.c (dns_parse): the
 * header flags, answer and authority sections, name compression, and the
 * strictness that keeps a hostile answer out (pointers forwards or in a loop,
 * counts past the end, A records of the wrong length, overlong labels); and
 * the loopback check of VRS_NAMESERVER. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "providers/dns.h"

/* a message built by hand: header, then raw bytes */
struct msg {
	unsigned char b[1024];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, unsigned v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	put(m, x, 2);
}

static void put_name(struct msg *m, const char *dotted)
{
	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);
		unsigned char c = (unsigned char)l;
		put(m, &c, 1);
		put(m, dotted, l);
		dotted += l + (dot ? 1 : 0);
	}
	put(m, "", 1);
}

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an, unsigned ns,
		   unsigned ar)
{
	m->n = 0;
	put16(m, 0xbeef);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

static void rr_head(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 3600);
	put16(m, rdlen);
}

static void test_answer_with_compression(void **state)
{
	struct msg m;
	struct dns_msg d;
	struct vrs_err err;
	unsigned char a[4] = {203, 0, 113, 10};

	(void)state;
	header(&m, 0x8400, 1, 2, 0, 0); /* QR, AA */
	put_name(&m, "WWW.Roma.vrs.gmbh");
	put16(&m, 1);
	put16(&m, 1);
	/* www.roma.vrs.gmbh CNAME roma.vrs.gmbh (a pointer into the question) */
	put16(&m, 0xc000 | 12);
	rr_head(&m, DNS_T_CNAME, 2);
	put16(&m, 0xc000 | 16);
	/* roma.vrs.gmbh A 203.0.113.10 */
	put16(&m, 0xc000 | 16);
	rr_head(&m, DNS_T_A, 4);
	put(&m, a, 4);
	err_clear(&err);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), 0);
	assert_true(d.qr && d.aa && !d.tc);
	assert_int_equal(d.rcode, DNS_RC_NOERROR);
	assert_int_equal(d.nrr, 2);
	assert_string_equal(d.rr[0].name, "www.roma.vrs.gmbh");
	assert_int_equal(d.rr[0].type, DNS_T_CNAME);
	assert_string_equal(d.rr[0].value, "roma.vrs.gmbh");
	assert_int_equal(d.rr[0].ttl, 3600);
	assert_string_equal(d.rr[1].name, "roma.vrs.gmbh");
	assert_string_equal(d.rr[1].value, "203.0.113.10");
	assert_int_equal(d.rr[1].section, DNS_SEC_ANSWER);
	dns_msg_release(&d);
}

static void test_referral_and_nxdomain(void **state)
{
	struct msg m;
	struct dns_msg d;
	struct vrs_err err;
	size_t at;

	(void)state;
	/* a parent's referral: no AA, NS records in the authority section */
	header(&m, 0x8000, 1, 0, 2, 0);
	put_name(&m, "pizza-roma.de");
	put16(&m, DNS_T_NS);
	put16(&m, 1);
	put16(&m, 0xc00c);
	rr_head(&m, DNS_T_NS, 12);
	at = m.n;
	put_name(&m, "ns.inwx.de");
	put16(&m, 0xc00c);
	rr_head(&m, DNS_T_NS, 6);
	put(&m, "\003ns2", 4);
	put16(&m, 0xc000 | (unsigned)(at + 3)); /* -> "inwx.de" of ns.inwx.de */
	err_clear(&err);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), 0);
	assert_false(d.aa);
	assert_int_equal(d.nrr, 2);
	assert_int_equal(d.rr[0].section, DNS_SEC_AUTHORITY);
	assert_string_equal(d.rr[0].value, "ns.inwx.de");
	assert_string_equal(d.rr[1].value, "ns2.inwx.de");
	dns_msg_release(&d);

	header(&m, 0x8403, 1, 0, 0, 0);
	put_name(&m, "nothing.vrs.gmbh");
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), 0);
	assert_int_equal(d.rcode, DNS_RC_NXDOMAIN);
	assert_int_equal(d.nrr, 0);
	assert_string_equal(dns_rcode_name(d.rcode), "NXDOMAIN");
	dns_msg_release(&d);
}

static void test_hostile_messages(void **state)
{
	struct msg m;
	struct dns_msg d;
	struct vrs_err err;
	char big[80];

	(void)state;
	err_clear(&err);
	/* too short */
	assert_int_equal(dns_parse((const unsigned char *)"\1\2\3", 3, &d, &err), -1);
	/* a pointer to itself (a loop) */
	header(&m, 0x8000, 1, 0, 0, 0);
	put16(&m, 0xc00c);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	assert_int_equal(err.code, VRS_E_REMOTE);
	/* a forward pointer */
	header(&m, 0x8000, 1, 0, 0, 0);
	put16(&m, 0xc000 | 40);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	/* an answer count past the end */
	header(&m, 0x8000, 0, 3, 0, 0);
	put_name(&m, "a.b");
	rr_head(&m, DNS_T_A, 4);
	put(&m, "\1\2\3\4", 4);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	/* an A record of 5 octets */
	header(&m, 0x8000, 0, 1, 0, 0);
	put_name(&m, "a.b");
	rr_head(&m, DNS_T_A, 5);
	put(&m, "\1\2\3\4\5", 5);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	/* rdata longer than the message */
	header(&m, 0x8000, 0, 1, 0, 0);
	put_name(&m, "a.b");
	rr_head(&m, DNS_T_AAAA, 16);
	put(&m, "\1\2\3\4", 4);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	/* a label of 64 octets (the top bits 01: an unknown label type) */
	header(&m, 0x8000, 1, 0, 0, 0);
	memset(big, 'x', sizeof(big));
	big[0] = 64;
	put(&m, big, 65);
	put(&m, "", 1);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
	/* a CNAME whose name runs past its rdata */
	header(&m, 0x8000, 0, 1, 0, 0);
	put_name(&m, "a.b");
	rr_head(&m, DNS_T_CNAME, 2);
	put_name(&m, "c.d");
	assert_int_equal(dns_parse(m.b, m.n, &d, &err), -1);
}

static void test_loopback_check(void **state)
{
	struct vrs_err err;

	(void)state;
	err_clear(&err);
	assert_int_equal(dns_server_check_loopback("127.0.0.1:5353", &err), 0);
	assert_int_equal(dns_server_check_loopback("127.1.2.3:53", &err), 0);
	assert_int_equal(dns_server_check_loopback("[::1]:5353", &err), 0);
	assert_int_equal(dns_server_check_loopback("192.0.2.1:53", &err), -1);
	assert_int_equal(err.code, VRS_E_INVALID);
	assert_non_null(strstr(err.msg, "loopback"));
	assert_int_equal(dns_server_check_loopback("[2001:db8::1]:53", &err), -1);
	assert_int_equal(dns_server_check_loopback("127.0.0.1", &err), -1);
	assert_int_equal(dns_server_check_loopback("127.0.0.1:0", &err), -1);
	assert_int_equal(dns_server_check_loopback("127.0.0.1:99999", &err), -1);
	assert_int_equal(dns_server_check_loopback("localhost:53", &err), -1);
	assert_int_equal(dns_server_check_loopback("127.0.0.1:5x", &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_with_compression),
	    cmocka_unit_test(test_referral_and_nxdomain),
	    cmocka_unit_test(test_hostile_messages),
	    cmocka_unit_test(test_loopback_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
