/*
 * fuzz_dns.c — libFuzzer target: any bytes as a DNS message through the DNS
 * gate's own strict parser (dns_parse), then the names of what it found
 * (dns_type_name, dns_rcode_name) and the release. Every name and value it
 * returns must be a NUL-terminated string within its buffer (checked).
 * Built by tests/fuzz/run.sh; tests/unit/test_fuzz_regress.c replays it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg m;
	struct vrs_err err;
	char tb[16];

	err_clear(&err);
	if (dns_parse(data, size, &m, &err) == 0) {
		(void)dns_rcode_name(m.rcode);
		if (m.nrr > DNS_MAX_RR)
			abort();
		for (size_t i = 0; i < m.nrr; i++) {
			(void)dns_type_name(m.rr[i].type, tb, sizeof(tb));
			if (memchr(m.rr[i].name, 0, sizeof(m.rr[i].name)) == NULL ||
			    memchr(m.rr[i].value, 0, sizeof(m.rr[i].value)) == NULL)
				abort();
		}
		dns_msg_release(&m);
	}
	return 0;
}
