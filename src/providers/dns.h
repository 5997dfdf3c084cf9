/*
 * dns.h — a small asynchronous DNS client: questions (A, AAAA, CNAME, NS)
 * sent without recursion straight to the servers named (the zone's
 * authoritative nameservers, or a parent zone's), over UDP with c-ares'
 * TCP fallback for truncated answers; typed answers from a strict parser
 * of our own (dns_parse: header, answer and authority sections, name
 * compression), since the delegation check reads the authority section,
 * which c-ares' parsers do not.
 *
 * No thread and no blocking: dns_step() reads what the sockets have and
 * runs c-ares' timers; the engine calls it once per turn of its loop.
 * Providers know nothing of specs: names and servers are plain strings.
 */
#ifndef VRS_PROVIDERS_DNS_H
#define VRS_PROVIDERS_DNS_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

enum dns_type { DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_AAAA = 28 };
enum dns_rcode { DNS_RC_NOERROR = 0, DNS_RC_SERVFAIL = 2, DNS_RC_NXDOMAIN = 3, DNS_RC_REFUSED = 5 };
enum dns_section { DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

#define DNS_NAME_MAX 254 /* a dotted name without the final dot, and its NUL */
#define DNS_MAX_RR   256 /* records kept from one message */

struct dns_rr {
	enum dns_section section;
	char name[DNS_NAME_MAX + 1]; /* lower case, no final dot ("" for the root) */
	int type;		     /* enum dns_type, or another type number */
	unsigned ttl;
	/* A/AAAA: the address as text; CNAME/NS: the target; SOA: the primary server; else "" */
	char value[DNS_NAME_MAX + 1];
};

struct dns_msg {
	unsigned id;
	int rcode;
	bool qr, aa, tc;
	struct dns_rr *rr;
	size_t nrr;
};

/*
 * Parse one DNS message (RFC 1035 §4). Strict: counts that overrun the
 * message, a compression pointer that does not point backwards, a label
 * over 63 octets, a name over 255, an A/AAAA of the wrong length: all are
 * errors (VRS_E_REMOTE). *out is released with dns_msg_release.
 */
int dns_parse(const unsigned char *buf, size_t len, struct dns_msg *out, struct vrs_err *err);
void dns_msg_release(struct dns_msg *m);
/* "A", "NS", ... or "TYPE<n>" into buf */
const char *dns_type_name(int type, char *buf, size_t n);
/* "NOERROR", "NXDOMAIN", ... */
const char *dns_rcode_name(int rcode);

/*
 * "IP:PORT" (IPv4) or "[IP]:PORT" naming a loopback address (the test
 * setting VRS_NAMESERVER): 0, or -1 with VRS_E_INVALID saying why not.
 */
int dns_server_check_loopback(const char *s, struct vrs_err *err);

struct dns;

int dns_open(struct dns **out, struct vrs_err *err);
/* queries still out end with rc -1, VRS_E_INTERRUPTED, before it returns */
void dns_close(struct dns *d);

/*
 * The answer (msg, valid during the call only) or an error: no answer in
 * time or the server refusing the connection is transient; ud is the
 * caller's.
 */
typedef void (*dns_cb)(void *ud, int rc, const struct dns_msg *msg, struct vrs_err *err);

/*
 * Ask server ("IP", "IP:PORT", "[IP6]:PORT"; NULL: the system's configured
 * resolvers, with recursion, for the addresses of nameserver host names)
 * for name's records of type. The callback never runs inside this call.
 */
int dns_query_async(struct dns *d, const char *server, const char *name, int type, dns_cb cb,
		    void *ud, struct vrs_err *err);

/*
 * Read and write what the sockets are ready for, waiting up to block_ms
 * for one (0: not at all), run timeouts, call back; while queries are out,
 * lower *wait_ms so the caller's loop comes back soon.
 */
void dns_step(struct dns *d, int block_ms, int *wait_ms);
size_t dns_pending(const struct dns *d);

#endif
