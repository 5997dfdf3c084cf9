/* secret.c — credentials from the environment and from 0600 files (see secret.h). */
#include "util/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_FILE_MAX 65536

void secret_free(char *s)
{
	if (s == NULL)
		return;
	volatile char *v = s;
	while (*v)
		*v++ = 0;
	free(s);
}

int secret_read_file(const char *path, char **out, struct vrs_err *err)
{
	struct stat st;
	char *data;
	size_t n = 0;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set(err, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_set(err,
			       "%s: permissions %04o are too open; a credentials file must not be "
			       "accessible by group or others (chmod 600 %s)",
			       path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_size > SECRET_FILE_MAX) {
		close(fd);
		return err_set(err, "%s: larger than %d bytes", path, SECRET_FILE_MAX);
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		close(fd);
		return err_set(err, "%s: out of memory", path);
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, data + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			data[n] = 0;
			secret_free(data);
			return err_set(err, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	data[n] = 0;
	*out = data;
	return 0;
}

int secret_get_env(const char *name, char **out, struct vrs_err *err)
{
	const char *v = getenv(name);

	*out = NULL;
	if (v == NULL || *v == 0)
		return 0;
	if ((*out = strdup(v)) == NULL)
		return err_set(err, "%s: out of memory", name);
	return 0;
}

int secret_get(const char *name, char **out, struct vrs_err *err)
{
	char fname[256];
	const char *v = getenv(name), *f;

	*out = NULL;
	if (strlen(name) + 6 > sizeof(fname))
		return err_set(err, "%s: name too long", name);
	memcpy(fname, name, strlen(name));
	memcpy(fname + strlen(name), "_FILE", 6);
	f = getenv(fname);
	if (v && *v && f && *f)
		return err_set(err, "both %s and %s are set; use one", name, fname);
	if (f && *f) {
		if (secret_read_file(f, out, err) < 0)
			return err_prefix(err, "%s", fname);
		return 0;
	}
	return secret_get_env(name, out, err);
}

const char *secret_inwx_endpoint(const char *v)
{
	if (v == NULL || *v == 0 || strcasecmp(v, "prod") == 0 || strcasecmp(v, "production") == 0)
		return INWX_URL_PROD;
	if (strcasecmp(v, "ote") == 0)
		return INWX_URL_OTE;
	return v;
}

void provider_creds_release(struct provider_creds *c)
{
	free(c->coolify_url);
	secret_free(c->coolify_token);
	free(c->inwx_url);
	secret_free(c->inwx_user);
	secret_free(c->inwx_password);
	secret_free(c->inwx_totp_secret);
	memset(c, 0, sizeof(*c));
}

int provider_creds_load(struct provider_creds *c, struct vrs_err *err)
{
	const char *v;
	char *inwx = NULL;

	memset(c, 0, sizeof(*c));
	c->coolify_rate_per_min = 200;
	if (secret_get_env("VRS_COOLIFY_URL", &c->coolify_url, err) < 0)
		goto fail;
	if (c->coolify_url) {
		size_t n = strlen(c->coolify_url);

		while (n > 0 && c->coolify_url[n - 1] == '/')
			c->coolify_url[--n] = 0;
	}
	if (secret_get("VRS_COOLIFY_TOKEN", &c->coolify_token, err) < 0)
		goto fail;
	v = getenv("VRS_COOLIFY_RATE");
	if (v && *v) {
		char *e;
		double r = strtod(v, &e);

		if (e == v || *e != 0 || !(r > 0) || r > 1e6) {
			err_set(err,
				"VRS_COOLIFY_RATE: '%s' is not a positive number of requests "
				"per minute",
				v);
			goto fail;
		}
		c->coolify_rate_per_min = r;
	}
	if (secret_get_env("VRS_INWX_URL", &inwx, err) < 0)
		goto fail;
	c->inwx_url = strdup(secret_inwx_endpoint(inwx));
	free(inwx);
	if (c->inwx_url == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (secret_get("VRS_INWX_USER", &c->inwx_user, err) < 0 ||
	    secret_get("VRS_INWX_PASSWORD", &c->inwx_password, err) < 0 ||
	    secret_get("VRS_INWX_TOTP_SECRET", &c->inwx_totp_secret, err) < 0)
		goto fail;
	return 0;
fail:
	provider_creds_release(c);
	return -1;
}

int provider_creds_require_coolify(const struct provider_creds *c, struct vrs_err *err)
{
	if (c->coolify_url == NULL || c->coolify_token == NULL)
		return err_set(err,
			       "VRS_COOLIFY_URL and VRS_COOLIFY_TOKEN (or VRS_COOLIFY_TOKEN_FILE) "
			       "must be set to talk to Coolify");
	return 0;
}

int provider_creds_require_inwx(const struct provider_creds *c, struct vrs_err *err)
{
	if (c->inwx_user == NULL || c->inwx_password == NULL)
		return err_set(err, "VRS_INWX_USER and VRS_INWX_PASSWORD (or their _FILE forms) "
				    "must be set to talk to INWX");
	return 0;
}
