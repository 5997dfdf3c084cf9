/*
 * dnsgate_int.h — private to the DNS gate (dnsgate.c, dnsgate_ns.c): the
 * run's gate data and the nameservers of the zones it asks (an INWX zone's
 * NS records, or a TLD's servers for a delegation check), found once per run.
 */
#ifndef VRS_ENGINE_DNSGATE_INT_H
#define VRS_ENGINE_DNSGATE_INT_H

#include "engine/engine_int.h"
#include "providers/dns.h"

#define MAX_SERVERS 8

enum zstate { Z_NEW, Z_READING, Z_RESOLVING, Z_READY, Z_FAILED };

/* the nameservers of an INWX zone, or of a TLD (the parent of a delegated domain) */
struct gzone {
	struct dnsgate *g;
	char name[256];
	bool tld;
	enum zstate st;
	char ns[MAX_SERVERS][256]; /* host names */
	size_t nns;
	char srv[MAX_SERVERS][80]; /* what is asked: "IP" or the override */
	size_t nsrv, resolving;
	char why[400];
};

struct gate;

struct dnsgate {
	struct run *run;
	struct dns *dns;
	struct gzone **z;
	size_t nz;
	struct gate **v;
	size_t n;
	bool closing;
	/*
	 * Thousands of gates wait at once in a large apply and the loop steps
	 * many times a second: a step looks at every gate only when something
	 * happened since the last look (gen: a gate added, an answer, a zone
	 * known or failed) or a gate's next round is due (due_ms).
	 */
	unsigned long gen, looked;
	long long due_ms;
};

/* the zone (an INWX zone, or a TLD when tld) of the run's gate data; NULL when out of memory */
struct gzone *zone_get(struct dnsgate *g, const char *name, bool tld);
/* start finding the zone's servers (once); true once they are known (Z_FAILED: z->why) */
bool zone_ready(struct gzone *z, struct vrs_err *err);

#endif
