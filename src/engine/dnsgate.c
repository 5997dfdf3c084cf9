/*
 * dnsgate.c — the Coolify executor's DNS gate: an application's FQDNs go
 * to Coolify (create, or an update adding names) only once the zone's
 * authoritative nameservers answer the project's new domains with what
 * vrsctl put in the zone (A, AAAA, the www CNAME), so the proxy's Let's
 * Encrypt order never meets a name that does not resolve yet.
 *
 * The zone's nameservers are its NS records at INWX (one nameserver.info
 * per zone and run, shared by every gate in it), their host names resolved
 * through the system's resolvers (the only use of those); the questions go
 * to each of them without recursion (providers/dns.c). An owned, registered
 * or transferred domain's delegation is checked too: the parent (the TLD's
 * servers) must name the zone's nameservers. VRS_NAMESERVER (a test
 * setting) sends every question to one loopback server, which answers as
 * the zone and, for NS at a delegation point, as the parent.
 *
 * A gate waits without holding a call slot, asking again with backoff
 * until --dns-timeout: no answer yet, NXDOMAIN or an old value all keep it
 * waiting (propagation); at the deadline the job fails naming what was
 * served. A delegation to other servers fails at once: it is an answer,
 * not propagation. Once everything is served, each domain is set active
 * (log row dns_resolved) and the Coolify call is sent.
 */
#include "engine/dnsgate_int.h"

#include <arpa/inet.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIRST_DELAY_MS 1000
#define MAX_DELAY_MS   30000
#define DEFAULT_WAIT_S 1800
#define IDLE_SLEEP_MS  100
#define MAX_ITEMS      64
#define SEEN_LEN       200

/* one question the gate needs answered right by every server of its zone */
struct item {
	struct gate *gt;
	char name[256], want[256];
	int type;
	size_t dom;	   /* index into gate.fqdn */
	struct gzone *z;   /* who is asked: the zone's servers, or the TLD's for delegation */
	struct gzone *own; /* delegation: the zone whose nameservers must be named */
	bool ok, bad;	   /* bad: delegated elsewhere (fails at once) */
	size_t asked, right;
	char seen[SEEN_LEN];
};

struct gate {
	struct dnsgate *g;
	struct job *j; /* NULL: ended */
	gate_fn cont;
	struct item *it;
	size_t nit;
	char (*fqdn)[256];
	size_t nfqdn;
	long long next_ms, deadline_ms;
	int delay_ms;
	size_t out; /* questions in flight */
	bool logged;
};

/* ---- one gate ---------------------------------------------------------------------- */

static void gate_free(struct gate *gt)
{
	free(gt->it);
	free(gt->fqdn);
	free(gt);
}

static void gate_end(struct gate *gt, const char *fail_msg)
{
	struct job *j = gt->j;

	gt->j = NULL;
	if (fail_msg)
		job_fail(j->eng, j, fail_msg);
}

/* the answer of one server to one item: right, or what it served */
static void judge(struct item *it, const struct dns_msg *m, const char *server)
{
	char got[SEEN_LEN] = "", tb[16];
	size_t n = 0, right = 0, lg = 0;
	bool deleg = it->own != NULL;

	for (size_t i = 0; i < m->nrr; i++) {
		const struct dns_rr *r = &m->rr[i];
		bool named = false;
		if (r->type != it->type || strcmp(r->name, it->name) != 0 ||
		    (!deleg && r->section != DNS_SEC_ANSWER) || r->section == DNS_SEC_ADDITIONAL)
			continue;
		n++;
		if (deleg) {
			for (size_t k = 0; k < it->own->nns; k++)
				named |= strcmp(r->value, it->own->ns[k]) == 0;
		} else
			named = strcmp(r->value, it->want) == 0;
		right += named;
		if (lg < sizeof(got))
			lg += (size_t)snprintf(got + lg, sizeof(got) - lg, "%s%s",
					       n > 1 ? ", " : "", r->value);
	}
	if (n > 0 && right == n && (deleg || m->aa)) {
		it->right++;
		return;
	}
	if (deleg && n > 0 && right < n)
		it->bad = true; /* an answer naming other servers */
	if (it->seen[0])
		return; /* the first wrong answer of this round is the one reported */
	if (n > 0 && !deleg && right == n)
		snprintf(it->seen, sizeof(it->seen), "a non-authoritative answer from %s", server);
	else if (n > 0)
		snprintf(it->seen, sizeof(it->seen), "%s from %s", got, server);
	else if (m->rcode != DNS_RC_NOERROR)
		snprintf(it->seen, sizeof(it->seen), "%s from %s", dns_rcode_name(m->rcode),
			 server);
	else
		snprintf(it->seen, sizeof(it->seen), "no %s record (NODATA) from %s",
			 dns_type_name(it->type, tb, sizeof(tb)), server);
}

static void gate_round_done(struct gate *gt);

struct ask {
	struct item *it;
	char server[80];
};

static void on_answer(void *ud, int rc, const struct dns_msg *m, struct vrs_err *err)
{
	struct ask *a = ud;
	struct item *it = a->it;
	struct gate *gt = it->gt;

	if (gt->g->closing) {
		free(a);
		return;
	}
	if (gt->j && !(rc < 0 && err->code == VRS_E_INTERRUPTED)) {
		if (rc == 0)
			judge(it, m, a->server);
		else if (!it->seen[0])
			snprintf(it->seen, sizeof(it->seen), "no answer from %s (%s)", a->server,
				 err->msg);
	}
	free(a);
	gt->g->gen++;
	if (--gt->out == 0 && gt->j)
		gate_round_done(gt);
}

/* every item at every server of its zone */
static void gate_ask(struct dnsgate *g, struct gate *gt)
{
	struct vrs_err err;
	struct ask *a;

	gt->out = 1; /* held while sending: no round ends inside this loop */
	for (size_t i = 0; i < gt->nit; i++) {
		struct item *it = &gt->it[i];
		it->asked = it->right = 0;
		it->seen[0] = '\0';
		for (size_t s = 0; s < it->z->nsrv; s++) {
			if ((a = calloc(1, sizeof(*a))) == NULL) {
				snprintf(it->seen, sizeof(it->seen), "out of memory");
				continue;
			}
			a->it = it;
			snprintf(a->server, sizeof(a->server), "%s", it->z->srv[s]);
			err_clear(&err);
			it->asked++;
			gt->out++;
			if (dns_query_async(g->dns, it->z->srv[s], it->name, it->type, on_answer, a,
					    &err) < 0)
				on_answer(a, -1, NULL, &err);
		}
	}
	if (--gt->out == 0 && gt->j)
		gate_round_done(gt);
}

static void list_items(const struct gate *gt, struct buf *b, bool wrong_only)
{
	char tb[16];
	size_t k = 0;

	for (size_t i = 0; i < gt->nit; i++) {
		const struct item *it = &gt->it[i];
		if (wrong_only && it->right == it->asked && it->asked > 0)
			continue;
		buf_printf(b, "%s%s %s ", k++ ? "; " : "", it->name,
			   dns_type_name(it->type, tb, sizeof(tb)));
		if (it->own) {
			buf_printf(b, "delegated to");
			for (size_t s = 0; s < it->own->nns; s++)
				buf_printf(b, "%s%s", s ? ", " : " ", it->own->ns[s]);
		} else
			buf_printf(b, "%s", it->want);
		if (wrong_only)
			buf_printf(b, ": served %s", it->seen[0] ? it->seen : "nothing");
	}
}

/* an answer, not propagation: the parent names other servers than the zone's */
static void list_delegations(const struct gate *gt, struct buf *b)
{
	size_t k = 0;

	for (size_t i = 0; i < gt->nit; i++) {
		const struct item *it = &gt->it[i];
		if (!it->bad)
			continue;
		buf_printf(b,
			   "%s%s is delegated elsewhere: the parent's NS records name %s, not the "
			   "zone's nameservers",
			   k++ ? "; " : "", it->name, it->seen);
		for (size_t s = 0; s < it->own->nns; s++)
			buf_printf(b, "%s%s", s ? ", " : " ", it->own->ns[s]);
		buf_printf(b, " (the world would not see the zone's records: set the domain's "
			      "nameservers at its registrar)");
	}
}

static int resolved_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct gate *gt = arg;
	struct job *j = gt->j;
	char msg[400];

	for (size_t d = 0; d < gt->nfqdn; d++) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < gt->nit; i++)
			if (gt->it[i].dom == d && gt->it[i].own == NULL)
				buf_printf(&b, "%s%s", b.len ? ", " : "", gt->it[i].want);
		snprintf(msg, sizeof(msg), "%s: the zone's nameservers serve %s", gt->fqdn[d],
			 b.data ? b.data : "");
		buf_release(&b);
		if (state_domain_set_status(run->st, gt->fqdn[d], DS_ACTIVE, err) < 0 ||
		    engine_log(run, j->p->slug, "dns_resolved", NULL, NULL, msg, NULL, NULL, "dns",
			       err) < 0)
			return -1;
	}
	return 0;
}

static int waiting_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct gate *gt = arg;
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "waiting for the zone's nameservers to serve ");
	list_items(gt, &b, false);
	buf_printf(&b, " (seen so far: ");
	list_items(gt, &b, true);
	buf_printf(&b, ")");
	rc = engine_log(run, gt->j->p->slug, "dns_waiting", NULL, NULL, b.data, NULL, NULL, "dns",
			err);
	buf_release(&b);
	return rc;
}

static void gate_round_done(struct gate *gt)
{
	struct run *run = gt->j->eng;
	long long now = engine_now_ms();
	bool all = true, bad = false;
	struct vrs_err err;
	struct buf b;

	for (size_t i = 0; i < gt->nit; i++) {
		all &= gt->it[i].asked > 0 && gt->it[i].right == gt->it[i].asked;
		bad |= gt->it[i].bad;
	}
	err_clear(&err);
	if (all) {
		struct job *j = gt->j;
		gate_fn cont = gt->cont;
		if (engine_tx(run, resolved_tx, gt, &err) < 0) {
			gate_end(gt, err.msg);
			return;
		}
		gt->j = NULL;
		engine_progress(run, j->p->slug, "DNS resolved at the zone's nameservers");
		cont(run, j);
		return;
	}
	if (bad || now >= gt->deadline_ms) {
		buf_init(&b);
		if (bad)
			list_delegations(gt, &b);
		else {
			buf_printf(&b, "DNS not served within --dns-timeout: ");
			list_items(gt, &b, true);
		}
		gate_end(gt, b.data ? b.data : "DNS check failed");
		buf_release(&b);
		return;
	}
	if (!gt->logged) {
		gt->logged = true;
		if (engine_tx(run, waiting_tx, gt, &err) < 0) {
			gate_end(gt, err.msg);
			return;
		}
		buf_init(&b);
		buf_printf(&b, "waiting for DNS: ");
		list_items(gt, &b, true);
		engine_progress(run, gt->j->p->slug, "%s", b.data ? b.data : "");
		buf_release(&b);
	}
	gt->next_ms = now + gt->delay_ms;
	gt->delay_ms = gt->delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : gt->delay_ms * 2;
}

/* ---- what a gate checks ------------------------------------------------------------- */

static struct dnsgate *gate_data(struct run *run)
{
	struct vrs_err err;

	if (run->dnsgate)
		return run->dnsgate;
	if ((run->dnsgate = calloc(1, sizeof(*run->dnsgate))) == NULL)
		return NULL;
	run->dnsgate->run = run;
	err_clear(&err);
	if (dns_open(&run->dnsgate->dns, &err) < 0) {
		free(run->dnsgate);
		run->dnsgate = NULL;
	}
	return run->dnsgate;
}

static void normalize_addr(const char *in, int type, char *out, size_t n)
{
	unsigned char a[16];
	int af = type == DNS_T_AAAA ? AF_INET6 : AF_INET;

	if (inet_pton(af, in, a) != 1 || inet_ntop(af, a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "%s", in);
}

static int item_add(struct dnsgate *g, struct gate *gt, size_t dom, const char *name, int type,
		    const char *want, struct gzone *z, struct gzone *own)
{
	struct item *it;

	if (gt->nit == MAX_ITEMS || z == NULL)
		return -1;
	it = &gt->it[gt->nit++];
	memset(it, 0, sizeof(*it));
	(void)g;
	it->gt = gt;
	it->dom = dom;
	it->type = type;
	it->z = z;
	it->own = own;
	snprintf(it->name, sizeof(it->name), "%s", name);
	for (char *c = it->name; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	if (type == DNS_T_A || type == DNS_T_AAAA)
		normalize_addr(want, type, it->want, sizeof(it->want));
	else
		snprintf(it->want, sizeof(it->want), "%s", want);
	return 0;
}

/* is fqdn among the names the app had (the update's old "fqdns": "https://a,https://b")? */
static bool had_fqdn(const char *old, const char *fqdn)
{
	size_t l = strlen(fqdn);

	for (const char *p = old; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *h = strstr(p, "://");
		if (h && h < p + n)
			n -= (size_t)(h + 3 - p), p = h + 3;
		if (n == l && strncasecmp(p, fqdn, l) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* the domains the call adds and their records; 0 with none: no gate */
static int gate_items(struct dnsgate *g, struct gate *gt, struct job *j)
{
	const struct m_project *w = j->p->want;
	const struct m_server *s =
	    j->p->server ? world_server(j->eng->desired, j->p->server) : NULL;
	const char *old = NULL;
	bool update = j->a->op == OP_UPDATE;

	if (update) {
		bool changes = false;
		for (size_t i = 0; i < j->a->nchanges; i++)
			if (strcmp(j->a->changes[i].field, "fqdns") == 0)
				old = j->a->changes[i].old, changes = true;
		if (!changes)
			return 0;
	}
	if (w == NULL || s == NULL || w->ndomains == 0)
		return 0;
	gt->it = calloc(MAX_ITEMS, sizeof(*gt->it));
	gt->fqdn = calloc(w->ndomains, sizeof(*gt->fqdn));
	if (gt->it == NULL || gt->fqdn == NULL)
		return -1;
	for (size_t k = 0; k < w->ndomains; k++) {
		const struct m_domain *d = &w->domains[k];
		const char *zn = d->zone ? d->zone : domain_zone(d);
		struct gzone *z = zone_get(g, zn, false);
		char www[300];
		size_t di = gt->nfqdn;
		if (update && had_fqdn(old, d->fqdn))
			continue;
		snprintf(gt->fqdn[gt->nfqdn++], sizeof(gt->fqdn[0]), "%s", d->fqdn);
		snprintf(www, sizeof(www), "www.%s", d->fqdn);
		if (item_add(g, gt, di, d->fqdn, DNS_T_A, s->ip_address, z, NULL) < 0 ||
		    (s->ipv6_address &&
		     item_add(g, gt, di, d->fqdn, DNS_T_AAAA, s->ipv6_address, z, NULL) < 0) ||
		    item_add(g, gt, di, www, DNS_T_CNAME, d->fqdn, z, NULL) < 0)
			return -1;
		if (d->type != DT_SUBDOMAIN && strcasecmp(zn, d->fqdn) == 0) {
			const char *dot = strrchr(d->fqdn, '.');
			struct gzone *tz = zone_get(g, dot ? dot + 1 : d->fqdn, true);
			if (item_add(g, gt, di, d->fqdn, DNS_T_NS, "", tz, z) < 0)
				return -1;
		}
	}
	return (int)gt->nit;
}

void dnsgate_wait(struct run *run, struct job *j, gate_fn cont)
{
	struct dnsgate *g = gate_data(run);
	struct gate *gt = calloc(1, sizeof(*gt));
	struct gate **v;
	int n;
	long long s = run->o->dns_timeout_s > 0 ? run->o->dns_timeout_s : DEFAULT_WAIT_S;

	if (g == NULL || gt == NULL || (n = gate_items(g, gt, j)) < 0 ||
	    (n > 0 && (v = realloc(g->v, (g->n + 1) * sizeof(*v))) == NULL)) {
		if (gt)
			gate_free(gt);
		job_fail(run, j, "out of memory (the DNS gate)");
		return;
	}
	if (n == 0) {
		gate_free(gt);
		cont(run, j);
		return;
	}
	g->v = v;
	g->v[g->n++] = gt;
	g->gen++;
	gt->g = g;
	gt->j = j;
	gt->cont = cont;
	gt->next_ms = engine_now_ms();
	gt->deadline_ms = gt->next_ms + s * 1000;
	gt->delay_ms = FIRST_DELAY_MS;
	engine_release_call(run, j);
}

/* ---- the loop's turn ------------------------------------------------------------------ */

/* one gate's turn: its zones known, then a round of questions when due */
static void gate_turn(struct dnsgate *g, struct gate *gt, long long now)
{
	struct vrs_err err;
	bool ready = true;

	if (gt->out > 0)
		return;
	for (size_t i = 0; i < gt->nit && gt->j; i++) {
		struct gzone *zs[2] = {gt->it[i].z, gt->it[i].own};
		for (int k = 0; k < 2 && gt->j; k++) {
			if (zs[k] == NULL || zs[k]->st == Z_READY)
				continue;
			err_clear(&err);
			if (zone_ready(zs[k], &err))
				continue;
			ready = false;
			if (zs[k]->st == Z_FAILED)
				gate_end(gt, zs[k]->why);
		}
	}
	if (gt->j == NULL || !ready)
		return;
	if (now >= gt->next_ms) {
		gate_ask(g, gt);
		return;
	}
	if (gt->next_ms < g->due_ms)
		g->due_ms = gt->next_ms;
}

/* every gate's turn, the ended ones freed, when something happened or a round is due */
static size_t gates_look(struct dnsgate *g, long long now)
{
	unsigned long gen = g->gen;
	size_t k = 0;

	if (g->looked == gen && now < g->due_ms)
		return g->n;
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i]->j || g->v[i]->out > 0)
			g->v[k++] = g->v[i];
		else
			gate_free(g->v[i]);
	g->n = k;
	g->due_ms = LLONG_MAX;
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i]->j)
			gate_turn(g, g->v[i], now);
	/* what happened during the look (an answer at once, a zone known) is looked at next */
	g->looked = g->gen == gen ? gen : gen - 1;
	return k;
}

void dnsgate_step(struct run *run, int *wait_ms)
{
	struct dnsgate *g = run->dnsgate;
	long long now = engine_now_ms();
	size_t k;
	int block = 0;

	if (g == NULL)
		return;
	k = gates_look(g, now);
	if (g->due_ms != LLONG_MAX && g->due_ms - now < *wait_ms)
		*wait_ms = g->due_ms > now ? (int)(g->due_ms - now) : 0;
	/*
	 * With no HTTP transfer running, the pool's step does not sleep: the
	 * gate's own wait (its sockets, or its next round) is slept here, a
	 * little at a time, so a long DNS wait neither spins nor holds the loop.
	 */
	if (http_pool_in_flight(run->pv->pool) == 0 && *wait_ms > 0)
		block = *wait_ms < IDLE_SLEEP_MS ? *wait_ms : IDLE_SLEEP_MS;
	if (dns_pending(g->dns) > 0) {
		dns_step(g->dns, block, wait_ms);
		if (block > 0)
			*wait_ms = 0;
	} else if (block > 0 && k > 0) {
		poll(NULL, 0, block);
		*wait_ms = 0;
	}
}

void dnsgate_release(struct run *run)
{
	struct dnsgate *g = run->dnsgate;

	if (g == NULL)
		return;
	g->closing = true;
	dns_close(g->dns); /* questions still out call back, and touch nothing */
	for (size_t i = 0; i < g->n; i++)
		gate_free(g->v[i]);
	for (size_t i = 0; i < g->nz; i++)
		free(g->z[i]);
	free(g->v);
	free(g->z);
	free(g);
	run->dnsgate = NULL;
	run_zones_release(run);
}
