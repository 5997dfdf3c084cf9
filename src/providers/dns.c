/*
 * dns.c — the DNS client of dns.h: c-ares channels (one per server asked,
 * made on first use, without recursion; one recursive channel on the
 * system's resolvers for nameserver host names), queries with ares_send
 * (c-ares retries a truncated UDP answer over TCP), and a strict parser of
 * the answer, our own, so the authority section (a parent's referral) is
 * read as well as the answer section.
 */
#include "providers/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUERY_TIMEOUT_MS 2000
#define QUERY_TRIES	 2
#define MAX_CHANNELS	 32
#define MAX_SOCKS	 (ARES_GETSOCK_MAXNUM * MAX_CHANNELS)
/* while queries are out, the caller's loop comes back this soon to read them */
#define POLL_TICK_MS 10

/* ---- parsing ---------------------------------------------------------------------- */

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* a (compressed) name at *off into out; *off moves past it in the record */
static int get_name(const unsigned char *buf, size_t len, size_t *off, char *out,
		    struct vrs_err *err)
{
	size_t pos = *off, n = 0, end = 0;
	bool jumped = false;
	int hops = 0;

	for (;;) {
		unsigned l;
		if (pos >= len)
			return err_setc(err, VRS_E_REMOTE, "dns: name runs past the message");
		l = buf[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;
			if (pos + 1 >= len)
				return err_setc(err, VRS_E_REMOTE, "dns: cut compression pointer");
			to = (size_t)(get16(buf + pos) & 0x3fff);
			/* strictly backwards: no loops, no forward references */
			if (to >= pos || ++hops > 64)
				return err_setc(err, VRS_E_REMOTE, "dns: bad compression pointer");
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = to;
			continue;
		}
		if (l & 0xc0)
			return err_setc(err, VRS_E_REMOTE, "dns: unknown label type 0x%02x", l);
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return err_setc(err, VRS_E_REMOTE, "dns: label runs past the message");
		if (n + (n ? 1 : 0) + l > DNS_NAME_MAX - 1)
			return err_setc(err, VRS_E_REMOTE, "dns: name longer than 255 octets");
		if (n)
			out[n++] = '.';
		for (unsigned i = 0; i < l; i++) {
			unsigned char c = buf[pos + 1 + i];
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		pos += 1 + l;
	}
	out[n] = '\0';
	*off = end;
	return 0;
}

static int get_rr(const unsigned char *buf, size_t len, size_t *off, struct dns_rr *rr,
		  struct vrs_err *err)
{
	size_t rd, rdlen;

	if (get_name(buf, len, off, rr->name, err) < 0)
		return -1;
	if (*off + 10 > len)
		return err_setc(err, VRS_E_REMOTE, "dns: record header runs past the message");
	rr->type = (int)get16(buf + *off);
	rr->ttl = (unsigned)get16(buf + *off + 4) << 16 | get16(buf + *off + 6);
	rdlen = get16(buf + *off + 8);
	rd = *off + 10;
	if (rd + rdlen > len)
		return err_setc(err, VRS_E_REMOTE, "dns: record data runs past the message");
	rr->value[0] = '\0';
	if (rr->type == DNS_T_A || rr->type == DNS_T_AAAA) {
		size_t want = rr->type == DNS_T_A ? 4 : 16;
		if (rdlen != want)
			return err_setc(err, VRS_E_REMOTE, "dns: %s record of %zu octets",
					rr->type == DNS_T_A ? "A" : "AAAA", rdlen);
		inet_ntop(rr->type == DNS_T_A ? AF_INET : AF_INET6, buf + rd, rr->value,
			  sizeof(rr->value));
	} else if (rr->type == DNS_T_CNAME || rr->type == DNS_T_NS || rr->type == DNS_T_SOA) {
		size_t p = rd;
		if (get_name(buf, len, &p, rr->value, err) < 0)
			return -1;
		if (p > rd + rdlen)
			return err_setc(err, VRS_E_REMOTE, "dns: name runs past its record");
	}
	*off = rd + rdlen;
	return 0;
}

int dns_parse(const unsigned char *buf, size_t len, struct dns_msg *out, struct vrs_err *err)
{
	unsigned qd, cnt[3], flags;
	size_t off = 12, total;
	char scratch[DNS_NAME_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (len < 12)
		return err_setc(err, VRS_E_REMOTE, "dns: message of %zu octets", len);
	out->id = get16(buf);
	flags = get16(buf + 2);
	out->qr = flags & 0x8000;
	out->aa = flags & 0x0400;
	out->tc = flags & 0x0200;
	out->rcode = (int)(flags & 0x000f);
	qd = get16(buf + 4);
	for (int s = 0; s < 3; s++)
		cnt[s] = get16(buf + 6 + 2 * s);
	total = (size_t)cnt[0] + cnt[1] + cnt[2];
	if (total > DNS_MAX_RR)
		return err_setc(err, VRS_E_REMOTE, "dns: %zu records in one message", total);
	for (unsigned i = 0; i < qd; i++) {
		if (get_name(buf, len, &off, scratch, err) < 0)
			return -1;
		if (off + 4 > len)
			return err_setc(err, VRS_E_REMOTE, "dns: question runs past the message");
		off += 4;
	}
	if (total && (out->rr = calloc(total, sizeof(*out->rr))) == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < cnt[s]; i++) {
			struct dns_rr *rr = &out->rr[out->nrr];
			rr->section = (enum dns_section)s;
			if (get_rr(buf, len, &off, rr, err) < 0) {
				dns_msg_release(out);
				return -1;
			}
			out->nrr++;
		}
	return 0;
}

void dns_msg_release(struct dns_msg *m)
{
	free(m->rr);
	m->rr = NULL;
	m->nrr = 0;
}

const char *dns_type_name(int type, char *buf, size_t n)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_NS:
		return "NS";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_SOA:
		return "SOA";
	case DNS_T_AAAA:
		return "AAAA";
	default:
		snprintf(buf, n, "TYPE%d", type);
		return buf;
	}
}

const char *dns_rcode_name(int rcode)
{
	static const char *const names[] = {"NOERROR",	"FORMERR", "SERVFAIL",
					    "NXDOMAIN", "NOTIMP",  "REFUSED"};
	return rcode >= 0 && rcode < 6 ? names[rcode] : "RCODE?";
}

int dns_server_check_loopback(const char *s, struct vrs_err *err)
{
	char host[64];
	const char *colon, *port;
	unsigned char a[16];
	bool v6 = s[0] == '[';

	if (v6) {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		port = close + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || (size_t)(colon - s) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) < 1 ||
	    atoi(port) > 65535)
		goto bad;
	if (v6 ? inet_pton(AF_INET6, host, a) != 1 : inet_pton(AF_INET, host, a) != 1)
		goto bad;
	if (v6 ? memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) != 0 : a[0] != 127)
		return err_setc(err, VRS_E_INVALID,
				"VRS_NAMESERVER=%s: not a loopback address (it is a test setting: "
				"127.0.0.1:PORT or [::1]:PORT only)",
				s);
	return 0;
bad:
	return err_setc(err, VRS_E_INVALID, "VRS_NAMESERVER=%s: not IP:PORT (e.g. 127.0.0.1:5353)",
			s);
}

/* ---- the client -------------------------------------------------------------------- */

struct chan {
	char key[80]; /* the server, "" for the system's resolvers */
	ares_channel ch;
};

struct dns {
	struct chan v[MAX_CHANNELS];
	size_t n;
	size_t pending;
	bool closing;
};

struct query {
	struct dns *d;
	char server[80], name[DNS_NAME_MAX + 1];
	int type;
	dns_cb cb;
	void *ud;
};

int dns_open(struct dns **out, struct vrs_err *err)
{
	int rc = ares_library_init(ARES_LIB_INIT_ALL);

	*out = NULL;
	if (rc != ARES_SUCCESS)
		return err_set(err, "dns: c-ares: %s", ares_strerror(rc));
	if ((*out = calloc(1, sizeof(**out))) == NULL) {
		ares_library_cleanup();
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	}
	return 0;
}

void dns_close(struct dns *d)
{
	if (d == NULL)
		return;
	d->closing = true;
	for (size_t i = 0; i < d->n; i++)
		ares_destroy(d->v[i].ch); /* outstanding queries call back: ARES_EDESTRUCTION */
	free(d);
	ares_library_cleanup();
}

static ares_channel chan_get(struct dns *d, const char *server, struct vrs_err *err)
{
	struct ares_options o;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES, rc;
	const char *key = server ? server : "";
	struct chan *c;

	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].key, key) == 0)
			return d->v[i].ch;
	if (d->n == MAX_CHANNELS || strlen(key) >= sizeof(c->key)) {
		err_set(err, "dns: too many servers to ask (%d)", MAX_CHANNELS);
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	/* an authoritative server is asked without recursion; answers are read whatever rcode */
	o.flags = server ? ARES_FLAG_NORECURSE | ARES_FLAG_NOCHECKRESP : 0;
	o.timeout = QUERY_TIMEOUT_MS;
	o.tries = QUERY_TRIES;
	c = &d->v[d->n];
	if ((rc = ares_init_options(&c->ch, &o, mask)) != ARES_SUCCESS) {
		err_set(err, "dns: c-ares init: %s", ares_strerror(rc));
		return NULL;
	}
	if (server && (rc = ares_set_servers_ports_csv(c->ch, server)) != ARES_SUCCESS) {
		ares_destroy(c->ch);
		err_setc(err, VRS_E_INVALID, "dns: server %s: %s", server, ares_strerror(rc));
		return NULL;
	}
	snprintf(c->key, sizeof(c->key), "%s", key);
	d->n++;
	return c->ch;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct dns_msg m;
	struct vrs_err err;
	char tb[16];
	const char *tn = dns_type_name(q->type, tb, sizeof(tb));
	const char *who = q->server[0] ? q->server : "the system's resolvers";

	(void)timeouts;
	err_clear(&err);
	q->d->pending--;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED || q->d->closing) {
		err_setc(&err, VRS_E_INTERRUPTED, "dns: %s %s at %s: cancelled", q->name, tn, who);
		q->cb(q->ud, -1, NULL, &err);
	} else if (status != ARES_SUCCESS || abuf == NULL) {
		err_setc(&err, VRS_E_TRANSIENT, "dns: %s %s at %s: %s", q->name, tn, who,
			 ares_strerror(status));
		err.transient = true;
		q->cb(q->ud, -1, NULL, &err);
	} else if (dns_parse(abuf, (size_t)alen, &m, &err) < 0) {
		err_prefix(&err, "%s %s at %s", q->name, tn, who);
		q->cb(q->ud, -1, NULL, &err);
	} else {
		q->cb(q->ud, 0, &m, &err);
		dns_msg_release(&m);
	}
	free(q);
}

int dns_query_async(struct dns *d, const char *server, const char *name, int type, dns_cb cb,
		    void *ud, struct vrs_err *err)
{
	ares_channel ch = chan_get(d, server, err);
	unsigned char *qbuf = NULL;
	int qlen = 0, rc;
	struct query *q;

	if (ch == NULL)
		return -1;
	if (strlen(name) > DNS_NAME_MAX - 1)
		return err_setc(err, VRS_E_INVALID, "dns: name too long: %s", name);
	/* rd 0 for an authoritative server: it answers from its zones, or refers */
	rc = ares_create_query(name, 1 /* IN */, type, 0, server ? 0 : 1, &qbuf, &qlen, 0);
	if (rc != ARES_SUCCESS)
		return err_setc(err, VRS_E_INVALID, "dns: %s: %s", name, ares_strerror(rc));
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		ares_free_string(qbuf);
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	}
	q->d = d;
	snprintf(q->server, sizeof(q->server), "%s", server ? server : "");
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->type = type;
	q->cb = cb;
	q->ud = ud;
	d->pending++;
	ares_send(ch, qbuf, qlen, on_answer, q);
	ares_free_string(qbuf);
	return 0;
}

void dns_step(struct dns *d, int block_ms, int *wait_ms)
{
	struct pollfd pf[MAX_SOCKS];
	ares_channel owner[MAX_SOCKS];
	size_t n = 0;

	if (d == NULL || d->pending == 0)
		return;
	for (size_t i = 0; i < d->n; i++) {
		ares_socket_t s[ARES_GETSOCK_MAXNUM];
		/* the bitmask read as unsigned: c-ares' macros shift an int by up to 31 */
		unsigned bits = (unsigned)ares_getsock(d->v[i].ch, s, ARES_GETSOCK_MAXNUM);
		for (int k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			short ev = (short)((bits >> k & 1u ? POLLIN : 0) |
					   (bits >> (k + ARES_GETSOCK_MAXNUM) & 1u ? POLLOUT : 0));
			if (ev == 0)
				continue;
			pf[n] = (struct pollfd){.fd = s[k], .events = ev};
			owner[n++] = d->v[i].ch;
		}
	}
	if (n > 0 && poll(pf, n, block_ms) > 0)
		for (size_t k = 0; k < n; k++)
			if (pf[k].revents)
				ares_process_fd(
				    owner[k],
				    pf[k].revents & (POLLIN | POLLERR | POLLHUP) ? pf[k].fd
										 : ARES_SOCKET_BAD,
				    pf[k].revents & POLLOUT ? pf[k].fd : ARES_SOCKET_BAD);
	/* timeouts, resends and the TCP retry of a truncated answer */
	for (size_t i = 0; i < d->n; i++)
		ares_process_fd(d->v[i].ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	if (d->pending > 0 && *wait_ms > POLL_TICK_MS)
		*wait_ms = POLL_TICK_MS;
}

size_t dns_pending(const struct dns *d)
{
	return d ? d->pending : 0;
}
