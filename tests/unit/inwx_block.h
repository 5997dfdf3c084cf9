/*
 * inwx_block.h — blocking forms of the INWX calls for the unit tests: each
 * queues the library's async call and waits on it with inwx_wait (the
 * library keeps only the blocking forms the engine uses). out may be NULL
 * (the result is then freed).
 */
#ifndef VRS_TEST_INWX_BLOCK_H
#define VRS_TEST_INWX_BLOCK_H

#include <string.h>

#include "providers/inwx_int.h"

#define INWX_BLOCK(KIND, OUT, CALL)                                                                \
	do {                                                                                       \
		struct http_waiter w_;                                                             \
		void *r_ = NULL;                                                                   \
		memset(&w_, 0, sizeof(w_));                                                        \
		if (inwx_wait(w, (CALL), &w_, &r_, err) < 0)                                       \
			return -1;                                                                 \
		if (OUT)                                                                           \
			*(OUT) = r_;                                                               \
		else                                                                               \
			inwx_result_free(KIND, r_);                                                \
		return 0;                                                                          \
	} while (0)

#define INWX_NO_OUT ((void **)NULL)

static inline int inwx_call(struct inwx *w, const char *method, cJSON *params,
			    struct inwx_response **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_RAW, out, inwx_call_async(w, method, params, http_waiter_cb, &w_, err));
}
static inline int inwx_login(struct inwx *w, struct inwx_account **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_ACCOUNT, out, inwx_login_async(w, http_waiter_cb, &w_, err));
}
static inline int inwx_logout(struct inwx *w, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_NONE, INWX_NO_OUT, inwx_logout_async(w, http_waiter_cb, &w_, err));
}
static inline int inwx_info(struct inwx *w, struct inwx_account **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_ACCOUNT, out, inwx_info_async(w, http_waiter_cb, &w_, err));
}
static inline int inwx_zones_list(struct inwx *w, const char *filter, struct inwx_zone_list **out,
				  struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_ZONES, out, inwx_zones_list_async(w, filter, http_waiter_cb, &w_, err));
}
static inline int inwx_zone_create(struct inwx *w, const char *domain, const char *type,
				   const char *const *ns, size_t n_ns, struct inwx_created **out,
				   struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_CREATED, out,
		   inwx_zone_create_async(w, domain, type, ns, n_ns, http_waiter_cb, &w_, err));
}
static inline int inwx_record_create(struct inwx *w, const struct inwx_record_input *in,
				     struct inwx_created **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_CREATED, out, inwx_record_create_async(w, in, http_waiter_cb, &w_, err));
}
static inline int inwx_record_update(struct inwx *w, const char *id,
				     const struct inwx_record_update *in, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_NONE, INWX_NO_OUT,
		   inwx_record_update_async(w, id, in, http_waiter_cb, &w_, err));
}
static inline int inwx_record_delete(struct inwx *w, const char *id, bool testing,
				     struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_NONE, INWX_NO_OUT,
		   inwx_record_delete_async(w, id, testing, http_waiter_cb, &w_, err));
}
static inline int inwx_domain_create(struct inwx *w, const struct inwx_domain_input *in,
				     struct inwx_order **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_ORDER, out, inwx_domain_create_async(w, in, http_waiter_cb, &w_, err));
}
static inline int inwx_domain_transfer(struct inwx *w, const struct inwx_domain_input *in,
				       struct inwx_order **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_ORDER, out, inwx_domain_transfer_async(w, in, http_waiter_cb, &w_, err));
}
static inline int inwx_domain_info(struct inwx *w, const char *domain, struct inwx_domain **out,
				   struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_DOMAIN, out, inwx_domain_info_async(w, domain, http_waiter_cb, &w_, err));
}
static inline int inwx_contacts_list(struct inwx *w, const char *search,
				     struct inwx_contact_list **out, struct vrs_err *err)
{
	INWX_BLOCK(INWX_K_CONTACTS, out,
		   inwx_contacts_list_async(w, search, http_waiter_cb, &w_, err));
}

#endif
