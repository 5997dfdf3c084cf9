/*
 * export.c — the spec of a project the marketplace application recorded
 * (`vrsctl export SLUG`, issue 13): so that the operator, or the
 * marketplace, commits it and GitOps takes over.
 *
 * It writes the row's own fields (name, owner, type, bundle, server, flags,
 * app, domains), never the marketplace-owned ones (payment method, billing
 * e-mail, Stripe ids, trial): a spec naming them would make them vrsctl's
 * (docs/OWNERSHIP.md). Values are JSON strings, which YAML reads as
 * double-quoted scalars, so no value can break the document.
 */
#include "engine/engine.h"
#include "util/buf.h"

#include <string.h>

/* key: "value"; -1 when the buffer could not grow */
static int key_str(struct buf *b, const char *indent, const char *key, const char *v)
{
	int bad = buf_printf(b, "%s%s: ", indent, key) < 0;

	bad |= buf_json_str(b, v) < 0;
	bad |= buf_puts(b, "\n") < 0;
	return bad ? -1 : 0;
}

static int export_domains(struct buf *b, const struct m_project *p, struct vrs_err *err)
{
	int bad = 0;

	if (p->ndomains == 0)
		return 0;
	bad |= buf_puts(b, "domains:\n") < 0;
	for (size_t i = 0; i < p->ndomains; i++) {
		const struct m_domain *d = &p->domains[i];
		if (d->type == DT_TRANSFERRED)
			return err_setc(err, VRS_E_INVALID,
					"project %s: domain %s is a transfer: its auth code "
					"cannot come from the state; write that domain by hand",
					p->slug, d->fqdn);
		if (d->type == DT_SUBDOMAIN && d->subdomain && d->base_domain) {
			bad |= key_str(b, "  - ", "subdomain", d->subdomain) < 0;
			bad |= key_str(b, "    ", "base", d->base_domain) < 0;
		} else {
			bad |= key_str(b, "  - ", "domain", d->fqdn) < 0;
			bad |= buf_printf(b, "    type: %s\n", m_domain_type_name(d->type)) < 0;
		}
		if (p->ndomains > 1 && d->primary)
			bad |= buf_puts(b, "    primary: true\n") < 0;
	}
	return bad ? err_setc(err, VRS_E_NOMEM, "out of memory") : 0;
}

int engine_export_project(const struct m_world *recorded, const char *slug, const char *image,
			  const char *project_type, struct buf *out, struct vrs_err *err)
{
	const struct m_project *p = world_project(recorded, slug);
	const char *type = project_type ? project_type : p ? p->project_type : NULL;
	const char *img = image ? image : p ? p->app.image : NULL;
	int bad = 0;

	if (p == NULL)
		return err_setc(err, VRS_E_NOT_FOUND, "no project '%s' in the state", slug);
	if (p->managed)
		return err_setc(err, VRS_E_INVALID,
				"project %s is managed by vrsctl: its spec is in the specs already",
				slug);
	if (type == NULL)
		return err_setc(err, VRS_E_INVALID,
				"project %s has no project type in the state: give --project-type",
				slug);
	if (img == NULL)
		return err_setc(err, VRS_E_INVALID,
				"project %s has no application image in the state: give --image",
				slug);
	bad |=
	    buf_puts(out, "# exported by `vrsctl export` from the marketplace application's row;\n"
			  "# payment, billing e-mail, Stripe ids and trial stay the application's\n"
			  "kind: Project\n") < 0;
	bad |= key_str(out, "", "slug", p->slug) < 0;
	bad |= key_str(out, "", "name", p->name && *p->name ? p->name : p->slug) < 0;
	bad |= key_str(out, "", "owner_email", p->owner_email) < 0;
	bad |= key_str(out, "", "project_type", type) < 0;
	if (p->bundle)
		bad |= key_str(out, "", "bundle", p->bundle) < 0;
	if (p->server)
		bad |= key_str(out, "", "server", p->server) < 0;
	if (p->superadmin)
		bad |= buf_puts(out, "superadmin: true\n") < 0;
	if (p->demo)
		bad |= buf_puts(out, "demo: true\n") < 0;
	if (p->cloned_from)
		bad |= key_str(out, "", "cloned_from", p->cloned_from) < 0;
	if (p->preview_protection)
		bad |= buf_puts(out, "preview_protection: true\n") < 0;
	bad |= buf_puts(out, "app:\n") < 0;
	bad |= key_str(out, "  ", "image", img) < 0;
	if (p->app.port > 0 && p->app.port != 8000)
		bad |= buf_printf(out, "  port: %d\n", p->app.port) < 0;
	if (p->app.health_path && strcmp(p->app.health_path, "/health") != 0)
		bad |= key_str(out, "  ", "health_path", p->app.health_path) < 0;
	if (bad)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	return export_domains(out, p, err);
}
