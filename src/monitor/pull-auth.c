/* SPDX-License-Identifier: Apache-2.0 */
/* The pod's imagePullSecrets as the kubelet reads them: the registry
 * credentials of its kubernetes.io/dockerconfigjson and
 * kubernetes.io/dockercfg Secrets, merged (the first Secret naming a
 * registry wins) into a Docker-style config.json in the pod folder for the
 * pull; the Secrets that cannot be read are named in a
 * FailedToRetrieveImagePullSecret event. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/registry.h"
#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/objects.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Copy the registries of a config's auths map into auths (kept ones win). */
static void merge_auths(json_object *auths, json_object *from)
{
	json_object_object_foreach(from, key, val)
	{
		if (!json_object_object_get_ex(auths, key, NULL) &&
		    json_object_is_type(val, json_type_object))
			json_object_object_add(auths, key, json_object_get(val));
	}
}

/* The auths of one Secret; other types are not registry credentials. */
static void add_secret(json_object *auths, const struct kobj *s)
{
	bool json = strcmp(s->type, "kubernetes.io/dockerconfigjson") == 0;
	const struct kobj_entry *e;
	cleanup_json json_object *cfg = NULL;

	if (!json && strcmp(s->type, "kubernetes.io/dockercfg") != 0)
		return;
	e = kobj_entry_find(s, json ? ".dockerconfigjson" : ".dockercfg");
	if (e == NULL || json_parse_text((const char *)e->value, e->len, s->name, &cfg, NULL) < 0)
		return;
	merge_auths(auths, json ? json_get_obj(cfg, "auths") : cfg);
}

/* Read the pod's pull secrets into auths; the names of those missing go
 * to *missing. */
static void read_secrets(struct mon *m, json_object *auths, char ***missing)
{
	char **names = m->rec->pod->image_pull_secrets;

	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		struct kobj *s = NULL;
		struct pp_error err = {0};

		if (kobj_store_get(&m->paths, KOBJ_SECRET, m->rec->pod->namespace_, names[i], &s,
		                   &err) < 0) {
			log_debug("imagePullSecrets: %s", err.msg);
			strv_push(missing, names[i]);
			continue;
		}
		add_secret(auths, s);
		kobj_free(s);
	}
}

char *mon_pull_auth(struct mon *m, const char *ref)
{
	cleanup_json json_object *cfg = json_object_new_object();
	json_object *auths = json_object_new_object();
	cleanup_strv char **missing = NULL;
	cleanup_free char *path = xstrfmt("%s/" MON_PULL_AUTH_FILE, m->dir);
	cleanup_free char *domain = xstrndup(ref, strcspn(ref, "/"));
	cleanup_free char *cred = NULL;
	struct pp_error err = {0};
	const char *text;
	size_t len = 0;

	json_object_object_add(cfg, "auths", auths);
	read_secrets(m, auths, &missing);
	if (missing != NULL) {
		cleanup_free char *list = strv_join(missing, ", ");

		pod_event_add(m->dir, "Warning", "FailedToRetrieveImagePullSecret",
		              "Unable to retrieve some image pull secrets (%s); attempting to pull "
		              "the image may not succeed.",
		              list);
	}
	(void)unlink(path);
	if (json_object_object_length(auths) == 0)
		return NULL;
	text = json_object_to_json_string_length(cfg, JSON_C_TO_STRING_PLAIN, &len);
	if (fs_write_atomic(path, text, len, 0600, &err) < 0 ||
	    img_auth_lookup(path, domain, &cred, &err) < 0 || cred == NULL) {
		if (err.msg[0] != '\0')
			log_warn("imagePullSecrets: %s, ignoring", err.msg);
		(void)unlink(path);
		return NULL; /* none for this registry: the machine's own */
	}
	return take_ptr(&path);
}
