/* SPDX-License-Identifier: Apache-2.0 */
/* securityContext.seccompProfile, appArmorProfile and seLinuxOptions of a
 * pod and of its containers: decoding, the API server's checks
 * (validateSeccompProfileField, validateAppArmorProfileField), the
 * profile the kubelet picks for a container, encoding and equality. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"
#include "util/xalloc.h"

#define APPARMOR_ANNOTATION     "container.apparmor.security.beta.kubernetes.io/"
#define APPARMOR_PROFILE_MAX    4095 /* PATH_MAX - 1, as the API server */
#define PROFILE_TYPES_SUPPORTED "\"Localhost\", \"RuntimeDefault\", \"Unconfined\""

static const struct pod_field profile_fields[] = {
    {"type", POD_FIELD_STR, offsetof(struct pod_profile, type), NULL},
    {"localhostProfile", POD_FIELD_STR, offsetof(struct pod_profile, localhost_profile), NULL},
    {NULL, 0, 0, NULL},
};

static const struct pod_field selinux_fields[] = {
    {"user", POD_FIELD_STR, offsetof(struct pod_selinux, user), NULL},
    {"role", POD_FIELD_STR, offsetof(struct pod_selinux, role), NULL},
    {"type", POD_FIELD_STR, offsetof(struct pod_selinux, type), NULL},
    {"level", POD_FIELD_STR, offsetof(struct pod_selinux, level), NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_profile(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_profile *p = obj;

	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	/* a given profile with no type is told apart from an absent one */
	if (p->type == NULL)
		p->type = xstrdup("");
	return pod_decode_fields(v, profile_fields, p, path, err);
}

int pod_decode_selinux(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_selinux *s = obj;

	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	s->set = true;
	return pod_decode_fields(v, selinux_fields, s, path, err);
}

static bool is_type(const struct pod_profile *p, const char *t)
{
	return p->type != NULL && strcmp(p->type, t) == 0;
}

/* What the two profile fields' rules differ in. */
struct profile_kind {
	const char *field; /* "seccompProfile" */
	const char *word;  /* "seccomp", in the messages */
	bool print_object; /* an Invalid localhostProfile prints "<object>" */
};

/* The rules both fields share: type required and known, localhostProfile
 * only with Localhost. 1 when p is Localhost (its own rules follow, lpath
 * filled), 0 when nothing more is to check, or -EINVAL. */
static int check_common(const struct pod_profile *p, const char *path, const struct profile_kind *k,
                        char lpath[POD_PATH_MAX], struct pp_error *err)
{
	const char *l = p->localhost_profile;
	char q[96], why[64];

	if (p->type == NULL)
		return 0;
	if (p->type[0] == '\0')
		return pp_error_msg(err, EINVAL,
		                    "%s.type: Required value: type is required when %s is set",
		                    path, k->field);
	if (!is_type(p, "Localhost") && !is_type(p, "RuntimeDefault") && !is_type(p, "Unconfined"))
		return pp_error_msg(err, EINVAL,
		                    "%s.type: Unsupported value: %s: supported values: %s", path,
		                    pod_quote(p->type, q, sizeof(q)), PROFILE_TYPES_SUPPORTED);
	(void)snprintf(lpath, POD_PATH_MAX, "%s.localhostProfile", path);
	if (is_type(p, "Localhost"))
		return 1;
	if (l == NULL)
		return 0;
	(void)snprintf(why, sizeof(why), "can only be set when %s type is Localhost", k->word);
	return pod_invalid(lpath, k->print_object ? "<object>" : l, why, err);
}

/* validateSeccompProfileField: localhostProfile required with Localhost
 * (a relative path without ".."), forbidden otherwise. */
static int check_seccomp(const struct pod_profile *p, const char *path, struct pp_error *err)
{
	static const struct profile_kind kind = {"seccompProfile", "seccomp", true};
	char lpath[POD_PATH_MAX];
	const char *l = p->localhost_profile;
	int r = check_common(p, path, &kind, lpath, err);

	if (r <= 0)
		return r;
	if (l == NULL)
		return pp_error_msg(
		    err, EINVAL, "%s: Required value: must be set when seccomp type is Localhost",
		    lpath);
	if (l[0] == '/')
		return pod_invalid(lpath, l, "must be a relative path", err);
	if (pod_path_has_backsteps(l))
		return pod_invalid(lpath, l, "must not contain '..'", err);
	return 0;
}

/* validateAppArmorProfileField */
static int check_apparmor(const struct pod_profile *p, const char *path, struct pp_error *err)
{
	static const struct profile_kind kind = {"appArmorProfile", "AppArmor", false};
	char lpath[POD_PATH_MAX];
	const char *l = p->localhost_profile;
	size_t n = l != NULL ? strlen(l) : 0;
	int r = check_common(p, path, &kind, lpath, err);

	if (r <= 0)
		return r;
	if (n > 0 &&
	    (strchr(" \t\n\v\f\r", l[0]) != NULL || strchr(" \t\n\v\f\r", l[n - 1]) != NULL))
		return pod_invalid(lpath, l, "must not be padded with whitespace", err);
	if (n == 0)
		return pp_error_msg(
		    err, EINVAL, "%s: Required value: must be set when AppArmor type is Localhost",
		    lpath);
	if (n > APPARMOR_PROFILE_MAX)
		return pp_error_msg(err, EINVAL, "%s: Too long: may not be more than %d bytes",
		                    lpath, APPARMOR_PROFILE_MAX);
	return 0;
}

static int check_container(const struct pod_container *c, const char *base, size_t i,
                           struct pp_error *err)
{
	char path[POD_PATH_MAX];
	int r;

	(void)snprintf(path, sizeof(path), "spec.%s[%zu].securityContext.seccompProfile", base, i);
	r = check_seccomp(&c->seccomp, path, err);
	if (r < 0)
		return r;
	(void)snprintf(path, sizeof(path), "spec.%s[%zu].securityContext.appArmorProfile", base, i);
	return check_apparmor(&c->apparmor, path, err);
}

/* validateAppArmorAnnotationsAndFieldsMatchOnCreate: a container's
 * AppArmor annotation and its own field, both given, agree. */
static int check_annotation_match(const struct pod *pod, const struct pod_container *c,
                                  const char *base, size_t i, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	struct pod_profile ann = {0};
	const struct pod_profile *field = &c->apparmor;

	if (field->type == NULL)
		return 0;
	for (size_t k = 0; pod->annotation_keys && pod->annotation_keys[k]; k++) {
		const char *key = pod->annotation_keys[k];

		if (strncmp(key, APPARMOR_ANNOTATION, strlen(APPARMOR_ANNOTATION)) == 0 &&
		    strcmp(key + strlen(APPARMOR_ANNOTATION), c->name) == 0)
			pod_apparmor_from_annotation(pod->annotation_values[k], &ann);
	}
	if (ann.type == NULL)
		return 0;
	(void)snprintf(path, sizeof(path), "spec.%s[%zu].securityContext.appArmorProfile", base, i);
	if (strcmp(ann.type, field->type) != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s.type: Forbidden: apparmor type in annotation and field must match", path);
	if (ann.localhost_profile != NULL &&
	    (field->localhost_profile == NULL ||
	     strcmp(ann.localhost_profile, field->localhost_profile) != 0))
		return pp_error_msg(
		    err, EINVAL,
		    "%s.localhostProfile: Forbidden: apparmor profile in annotation and field must match",
		    path);
	return 0;
}

int pod_validate_profiles(const struct pod *pod, struct pp_error *err)
{
	int r = check_seccomp(&pod->seccomp, "spec.securityContext.seccompProfile", err);

	if (r == 0)
		r = check_apparmor(&pod->apparmor, "spec.securityContext.appArmorProfile", err);
	for (size_t i = 0; r == 0 && i < pod->n_containers; i++) {
		r = check_container(&pod->containers[i], "containers", i, err);
		if (r == 0)
			r = check_annotation_match(pod, &pod->containers[i], "containers", i, err);
	}
	for (size_t i = 0; r == 0 && i < pod->n_init_containers; i++) {
		r = check_container(&pod->init_containers[i], "initContainers", i, err);
		if (r == 0)
			r = check_annotation_match(pod, &pod->init_containers[i], "initContainers",
			                           i, err);
	}
	return r;
}

void pod_apparmor_from_annotation(const char *v, struct pod_profile *ret)
{
	*ret = (struct pod_profile){0};
	if (strcmp(v, "runtime/default") == 0)
		ret->type = (char *)"RuntimeDefault";
	else if (strcmp(v, "unconfined") == 0)
		ret->type = (char *)"Unconfined";
	else if (strncmp(v, "localhost/", strlen("localhost/")) == 0) {
		ret->type = (char *)"Localhost";
		ret->localhost_profile = (char *)v + strlen("localhost/");
	}
}

void pod_seccomp_effective(const struct pod *pod, const struct pod_container *c,
                           struct pod_profile *ret)
{
	*ret = c->seccomp.type != NULL ? c->seccomp : pod->seccomp;
}

void pod_apparmor_effective(const struct pod *pod, const struct pod_container *c,
                            struct pod_profile *ret)
{
	if (c->apparmor.type != NULL) {
		*ret = c->apparmor;
		return;
	}
	for (size_t k = 0; pod->annotation_keys && pod->annotation_keys[k]; k++) {
		const char *key = pod->annotation_keys[k];

		if (strncmp(key, APPARMOR_ANNOTATION, strlen(APPARMOR_ANNOTATION)) == 0 &&
		    strcmp(key + strlen(APPARMOR_ANNOTATION), c->name) == 0) {
			pod_apparmor_from_annotation(pod->annotation_values[k], ret);
			if (ret->type != NULL)
				return;
		}
	}
	*ret = pod->apparmor;
}

bool pod_selinux_is_set(const struct pod *pod, const struct pod_container *c)
{
	return pod->selinux.set || c->selinux.set;
}

/* ---- encoding, comparison, freeing ---- */

bool pod_profiles_are_set(const struct pod_profile *seccomp, const struct pod_profile *apparmor,
                          const struct pod_selinux *selinux)
{
	return seccomp->type != NULL || apparmor->type != NULL || selinux->set;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

static void add_profile(json_object *sc, const char *key, const struct pod_profile *p)
{
	json_object *o;

	if (p->type == NULL)
		return;
	o = json_object_new_object();
	add_str(o, "localhostProfile", p->localhost_profile);
	add_str(o, "type", p->type);
	json_object_object_add(sc, key, o);
}

void pod_profiles_add(json_object *sc, const struct pod_profile *seccomp,
                      const struct pod_profile *apparmor, const struct pod_selinux *selinux)
{
	add_profile(sc, "appArmorProfile", apparmor);
	if (selinux->set) {
		json_object *o = json_object_new_object();

		add_str(o, "level", selinux->level);
		add_str(o, "role", selinux->role);
		add_str(o, "type", selinux->type);
		add_str(o, "user", selinux->user);
		json_object_object_add(sc, "seLinuxOptions", o);
	}
	add_profile(sc, "seccompProfile", seccomp);
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool pod_profile_equal(const struct pod_profile *a, const struct pod_profile *b)
{
	return str_eq(a->type, b->type) && str_eq(a->localhost_profile, b->localhost_profile);
}

bool pod_selinux_equal(const struct pod_selinux *a, const struct pod_selinux *b)
{
	return a->set == b->set && str_eq(a->user, b->user) && str_eq(a->role, b->role) &&
	       str_eq(a->type, b->type) && str_eq(a->level, b->level);
}

void pod_profile_clear(struct pod_profile *p)
{
	free(p->type);
	free(p->localhost_profile);
	*p = (struct pod_profile){0};
}

void pod_selinux_clear(struct pod_selinux *s)
{
	free(s->user);
	free(s->role);
	free(s->type);
	free(s->level);
	*s = (struct pod_selinux){0};
}
