/* SPDX-License-Identifier: Apache-2.0 */
/* The verbs' help, printed as kubectl prints it (description, Examples:,
 * Options:, Usage:), and kubectl's errors for unknown flags. One table
 * entry per verb; one printer. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "util/log.h"

struct cli_opt_help {
	const char *flags; /* "-n, --namespace=''" */
	const char *desc;
};

struct cli_verb_help {
	const char *name;
	const char *desc;     /* first line: also the `peapod --help` summary */
	const char *examples; /* indented lines */
	const char *usage;    /* after "peapod " */
	struct cli_opt_help opts[12];
};

#define OPT_NS                                                                                \
	{                                                                                     \
		"-n, --namespace=''", "If present, the namespace scope for this CLI request." \
	}
#define OPT_CTR(what)                                                                      \
	{                                                                                  \
		"-c, --container=''",                                                      \
		    "Container name. If omitted, use the kubectl.kubernetes.io/"           \
		    "default-container annotation for selecting the container to be " what \
		    ", or the first container in the pod will be chosen."                  \
	}

static const struct cli_verb_help verbs[] = {
    {"apply",
     "Apply a configuration to a resource by file name or stdin.",
     "  # Apply the configuration in pod.json to a pod\n"
     "  peapod apply -f ./pod.json\n\n"
     "  # Apply the YAML passed into stdin to a pod\n"
     "  cat pod.yaml | peapod apply -f -\n\n"
     "  # Apply every .yaml, .yml and .json file of a folder\n"
     "  peapod apply -f ./pods/\n\n"
     "  # Pods, ConfigMaps and Secrets may share a file, as documents of one stream\n"
     "  peapod apply -f ./app-with-config.yaml",
     "apply (-f FILENAME) [options]",
     {{"-f, --filename=[]", "The files that contain the configurations to apply."}}},
    {"get",
     "Display one or many resources.",
     "  # List all pods in ps output format\n"
     "  peapod get pods\n\n"
     "  # List all pods in ps output format with more information (such as node name)\n"
     "  peapod get pods -o wide\n\n"
     "  # List a single pod in JSON output format\n"
     "  peapod get -o json pod web-pod-13je7\n\n"
     "  # List all pods without the header row\n"
     "  peapod get pods --no-headers\n\n"
     "  # List the ConfigMaps and Secrets of every namespace\n"
     "  peapod get configmaps -A\n"
     "  peapod get secrets -A\n\n"
     "  # Show one ConfigMap as YAML\n"
     "  peapod get cm game-config -o yaml\n\n"
     "  # List the pods labelled app=web or app=db, with their labels\n"
     "  peapod get pods -l 'app in (web,db)' --show-labels\n\n"
     "  # List all pods, then a row each time one changes\n"
     "  peapod get pods -w",
     "get [(-o|--output=)json|yaml|name|wide] (TYPE [NAME ...]) [flags] [options]",
     {{"-A, --all-namespaces=false",
       "If present, list the requested object(s) across all namespaces. Namespace in current "
       "context is ignored even if specified with --namespace."},
      OPT_NS,
      {"--no-headers=false",
       "When using the default or custom-column output format, don't print headers (default "
       "print headers)."},
      {"-o, --output=''", "Output format. One of: (json, yaml, name, wide)."},
      {"-l, --selector=''",
       "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l "
       "key1=value1,key2=value2). Matching objects must satisfy all of the specified label "
       "constraints."},
      {"--show-labels=false",
       "When printing, show all labels as the last column (default hide labels column)."},
      {"-w, --watch=false", "After listing/getting the requested object, watch for changes."},
      {"--watch-only=false",
       "Watch for changes to the requested object(s), without listing/getting first."}}},
    {"describe",
     "Show details of a specific resource or group of resources.",
     "  # Describe a pod\n"
     "  peapod describe pods nginx\n\n"
     "  # Describe a pod by type/name\n"
     "  peapod describe pod/nginx\n\n"
     "  # Describe a ConfigMap, and a Secret (its values are never shown)\n"
     "  peapod describe configmap game-config\n"
     "  peapod describe secret db-user-pass",
     "describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]",
     {OPT_NS}},
    {"exec",
     "Execute a command in a container.",
     "  # Get output from running the 'date' command from pod mypod, using the first "
     "container by default\n"
     "  peapod exec mypod -- date\n\n"
     "  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod "
     "mypod\n"
     "  peapod exec mypod -c ruby-container -i -t -- bash -il",
     "exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]",
     {OPT_CTR("executed"),
      OPT_NS,
      {"-i, --stdin=false", "Pass stdin to the container"},
      {"-t, --tty=false", "Stdin is a TTY"}}},
    {"attach",
     "Attach to a process that is already running inside an existing container.",
     "  # Get output from running pod mypod; use the first container by default\n"
     "  peapod attach mypod\n\n"
     "  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod "
     "mypod\n"
     "  peapod attach mypod -c ruby-container -i -t",
     "attach (POD | TYPE/NAME) -c CONTAINER [options]",
     {OPT_CTR("attached"),
      OPT_NS,
      {"-q, --quiet=false", "Only print output from the remote session"},
      {"-i, --stdin=false", "Pass stdin to the container"},
      {"-t, --tty=false", "Stdin is a TTY"}}},
    {"logs",
     "Print the logs for a container in a pod.",
     "  # Return snapshot logs from pod nginx with only one container\n"
     "  peapod logs nginx\n\n"
     "  # Return snapshot of previous terminated ruby container logs from pod web-1\n"
     "  peapod logs -p -c ruby web-1\n\n"
     "  # Begin streaming the logs of the ruby container in pod web-1\n"
     "  peapod logs -f -c ruby web-1\n\n"
     "  # Display only the most recent 20 lines of output in pod nginx\n"
     "  peapod logs --tail=20 nginx",
     "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]",
     {{"--all-containers=false", "Get all containers' logs in the pod(s)."},
      OPT_CTR("printed"),
      {"-f, --follow=false", "Specify if the logs should be streamed."},
      OPT_NS,
      {"--prefix=false", "Prefix each log line with the log source (pod name and container name)"},
      {"-p, --previous=false",
       "If true, print the logs for the previous instance of the container in a pod if it "
       "exists."},
      {"--since=0s",
       "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all "
       "logs."},
      {"--since-time=''", "Only return logs after a specific date (RFC3339)."},
      {"--tail=-1", "Lines of recent log file to display. Defaults to -1 (all lines)."},
      {"--timestamps=false", "Include timestamps on each line in the log output"}}},
    {"top",
     "Display resource (CPU/memory) usage of pods.",
     "  # Show metrics for all pods in the default namespace\n"
     "  peapod top pod\n\n"
     "  # Show metrics for all pods in the given namespace\n"
     "  peapod top pod --namespace=NAMESPACE\n\n"
     "  # Show metrics for a given pod and its containers\n"
     "  peapod top pod POD_NAME --containers\n\n"
     "  # Show metrics for the pods defined by label name=myLabel\n"
     "  peapod top pod -l name=myLabel",
     "top pod [NAME | -l label] [options]",
     {{"-A, --all-namespaces=false",
       "If present, list the requested object(s) across all namespaces. Namespace in current "
       "context is ignored even if specified with --namespace."},
      {"--containers=false", "If present, print usage of containers within a pod."},
      OPT_NS,
      {"--no-headers=false", "If present, print output without headers."},
      {"-l, --selector=''",
       "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l "
       "key1=value1,key2=value2). Matching objects must satisfy all of the specified label "
       "constraints."}}},
    {"ps",
     "List the processes of a pod, each with its container.",
     "  # Every process of pod nginx: its container (the pause process as (sandbox)), PID in\n"
     "  # the pod and on the host, user and command line\n"
     "  peapod ps nginx\n\n"
     "  # The same as a JSON list\n"
     "  peapod ps nginx -o json",
     "ps POD [-n NAMESPACE] [-o json|yaml] [options]",
     {OPT_NS,
      {"--no-headers=false", "If present, print output without headers."},
      {"-o, --output=''", "Output format. One of: (json, yaml)."}}},
    {"cp",
     "Copy files and directories to and from containers.",
     "  # Copy /tmp/foo_dir local directory to /tmp/bar_dir in a remote pod in the default "
     "namespace\n"
     "  peapod cp /tmp/foo_dir <some-pod>:/tmp/bar_dir\n\n"
     "  # Copy /tmp/foo local file to /tmp/bar in a remote pod in a specific container\n"
     "  peapod cp /tmp/foo <some-pod>:/tmp/bar -c <specific-container>\n\n"
     "  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>\n"
     "  peapod cp /tmp/foo <some-namespace>/<some-pod>:/tmp/bar\n\n"
     "  # Copy /tmp/foo from a remote pod to /tmp/bar locally\n"
     "  peapod cp <some-namespace>/<some-pod>:/tmp/foo /tmp/bar",
     "cp <file-spec-src> <file-spec-dest> [options]",
     {{"-c, --container=''",
       "Container name. If omitted, use the kubectl.kubernetes.io/default-container "
       "annotation for selecting the container to be attached or the first container in the "
       "pod will be chosen"},
      OPT_NS}},
    {"delete",
     "Delete resources by file names, stdin, resources and names.",
     "  # Delete a pod using the type and name specified in pod.json\n"
     "  peapod delete -f ./pod.json\n\n"
     "  # Delete pods with the names \"baz\" and \"foo\"\n"
     "  peapod delete pod baz foo\n\n"
     "  # Delete a pod with minimal delay\n"
     "  peapod delete pod foo --now\n\n"
     "  # Force delete a pod on a dead node\n"
     "  peapod delete pod foo --force\n\n"
     "  # Delete a ConfigMap and a Secret\n"
     "  peapod delete configmap game-config\n"
     "  peapod delete secret/db-user-pass",
     "delete ([-f FILENAME] | TYPE [NAME]) [options]",
     {{"-f, --filename=[]", "containing the resource to delete."},
      {"--force=false",
       "If true, immediately remove resources from API and bypass graceful deletion. Note "
       "that immediate deletion of some resources may result in inconsistency or data loss "
       "and requires confirmation."},
      {"--grace-period=-1",
       "Period of time in seconds given to the resource to terminate gracefully. Ignored if "
       "negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true "
       "(force deletion)."},
      {"--ignore-not-found=false", "Treat \"resource not found\" as a successful delete."},
      OPT_NS,
      {"--now=false",
       "If true, resources are signaled for immediate shutdown (same as --grace-period=1)."}}},
    {"create",
     "Create a ConfigMap or a Secret from literals, files, folders or env files.",
     "  # Create a configmap named my-config with each file of folder bar\n"
     "  peapod create configmap my-config --from-file=path/to/bar\n\n"
     "  # Create a configmap with a key of its own for a file\n"
     "  peapod create configmap my-config --from-file=key1=/path/to/file1.txt\n\n"
     "  # Create a configmap with key1=config1 and key2=config2\n"
     "  peapod create configmap my-config --from-literal=key1=config1 "
     "--from-literal=key2=config2\n\n"
     "  # Create a configmap from the lines of an env file\n"
     "  peapod create configmap my-config --from-env-file=path/to/foo.env\n\n"
     "  # Create a secret with keys from literals (generic takes the same sources)\n"
     "  peapod create secret generic my-secret --from-literal=key1=supersecret\n\n"
     "  # Create a secret for pulling from a registry (spec.imagePullSecrets)\n"
     "  peapod create secret docker-registry my-secret --docker-server=DOCKER_REGISTRY_SERVER "
     "--docker-username=DOCKER_USER --docker-password=DOCKER_PASSWORD "
     "--docker-email=DOCKER_EMAIL",
     "create (configmap | secret generic | secret docker-registry) NAME [--from-literal=KEY=VALUE] "
     "[--from-file=[KEY=]SOURCE] [--from-env-file=SOURCE] [--dry-run=none|client] [options]",
     {{"--from-literal=[]", "Specify a key and literal value to insert (i.e. mykey=somevalue)."},
      {"--from-file=[]",
       "Key file can be specified using its file path, in which case file basename will be "
       "used as key, or optionally with a key and file path, in which case the given key will "
       "be used. Specifying a directory will iterate each named file in the directory."},
      {"--from-env-file=[]",
       "Specify the path to a file to read lines of key=val pairs to create a configmap or a "
       "secret."},
      {"--type=''", "The type of secret to create (secret generic)."},
      {"--docker-server='https://index.docker.io/v1/'",
       "Server location for Docker registry (secret docker-registry)."},
      {"--docker-username=''", "Username for Docker registry authentication."},
      {"--docker-password=''", "Password for Docker registry authentication."},
      {"--docker-email=''", "Email for Docker registry."},
      {"--dry-run='none'",
       "Must be \"none\" or \"client\". If client strategy, only print the object that would "
       "be sent, without sending it."},
      {"-o, --output=''", "Output format. One of: (json, yaml, name)."},
      OPT_NS}},
    {"image",
     "Load, pull, list, inspect, tag, remove, prune, save and mount the images pods run.",
     "  # Load the images of a docker-archive or OCI layout tarball\n"
     "  peapod image load -i busybox.tar\n\n"
     "  # Pull an image from its registry (localhost and 127.0.0.1 over plain HTTP; others\n"
     "  # as /etc/peapod/registries.yaml says)\n"
     "  peapod image pull 127.0.0.1:5000/library/busybox:1.28\n\n"
     "  # List the images, or only their ids\n"
     "  peapod image ls\n"
     "  peapod image ls -q\n\n"
     "  # Show an image as podman image inspect does\n"
     "  peapod image inspect busybox:1.28\n\n"
     "  # Give an image another name (the name moves if another image had it)\n"
     "  peapod image tag busybox:1.28 registry.example/tools/busybox:stable\n\n"
     "  # Remove a name (and the image with its last name), or an image by id\n"
     "  peapod image rm busybox:latest\n"
     "  peapod image rm -f 7a80323521cc\n\n"
     "  # Remove the images without a name; with -a, every image no pod uses\n"
     "  peapod image prune -a -f\n\n"
     "  # Save images for podman, docker or skopeo\n"
     "  peapod image save -o busybox.tar busybox:1.28\n"
     "  peapod image save --format oci-archive busybox:1.28 > busybox-oci.tar",
     "image (load -i FILE | pull REF | ls [-q] | inspect REF... | tag SOURCE TARGET... | rm [-f] "
     "REF... | prune [-a] [-f] | save [-o FILE] [--format FORMAT] REF... | mount REF DIR | "
     "umount DIR) [options]",
     {{"-i, --input=''", "image load: the archive to read."},
      {"--authfile=''",
       "image pull: the registry credentials (a Docker-style config.json); by default "
       "$XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json."},
      {"--registries-conf=''",
       "image pull: the registries config (insecure hosts, mirrors, CA folders); by default "
       "$PEAPOD_REGISTRIES_CONF, else /etc/peapod/registries.yaml."},
      {"-q, --quiet=false",
       "image load: do not print the loaded references; image pull: print only the image "
       "id; image ls: print only the image ids."},
      {"-f, --force=false",
       "image rm: remove an image by id with all its names; image prune: do not ask."},
      {"-a, --all=false", "image prune: remove every image no pod uses, not only unnamed ones."},
      {"-o, --output=''", "image save: the file to write (required when stdout is a terminal)."},
      {"--format='docker-archive'", "image save: docker-archive or oci-archive."}}},
    {"port-forward",
     "Forward one or more local ports to a pod.",
     "  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 "
     "in the pod\n"
     "  peapod port-forward pod/mypod 5000 6000\n\n"
     "  # Listen on port 8888 locally, forwarding to 5000 in the pod\n"
     "  peapod port-forward pod/mypod 8888:5000\n\n"
     "  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod\n"
     "  peapod port-forward --address 0.0.0.0 pod/mypod 8888:5000\n\n"
     "  # Listen on a random port locally, forwarding to 5000 in the pod\n"
     "  peapod port-forward pod/mypod :5000",
     "port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
     {{"--address=[localhost]",
       "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a "
       "value. When localhost is supplied, peapod will try to bind on both 127.0.0.1 and ::1 "
       "and will fail if neither of these addresses are available to bind."},
      OPT_NS}},
    {"label",
     "Update the labels on a resource (a pod, or this machine's node).",
     "  # Label this machine's node for pods with nodeSelector {disktype: ssd}\n"
     "  peapod label node $(hostname) disktype=ssd\n\n"
     "  # Change a pod's label, then remove it\n"
     "  peapod label --overwrite pod foo status=unhealthy\n"
     "  peapod label pod foo status-",
     "label [--overwrite] (pod|node) NAME KEY_1=VAL_1 ... KEY_N=VAL_N [options]",
     {{"--overwrite=false",
       "If true, allow labels to be overwritten, otherwise reject label updates that "
       "overwrite existing labels."},
      OPT_NS}},
    {"annotate",
     "Update the annotations on a resource (a pod, or this machine's node).",
     "  # Annotate pod foo, then remove the annotation\n"
     "  peapod annotate pod foo description='my frontend'\n"
     "  peapod annotate pod foo description-",
     "annotate [--overwrite] (pod|node) NAME KEY_1=VAL_1 ... KEY_N=VAL_N [options]",
     {{"--overwrite=false",
       "If true, allow annotations to be overwritten, otherwise reject annotation updates "
       "that overwrite existing annotations."},
      OPT_NS}},
    {"taint",
     "Update the taints on this machine's node.",
     "  # Keep pods without a matching toleration off this node\n"
     "  peapod taint node $(hostname) dedicated=special-user:NoSchedule\n\n"
     "  # Remove it, by key and effect, or every taint of the key\n"
     "  peapod taint node $(hostname) dedicated:NoSchedule-\n"
     "  peapod taint node $(hostname) dedicated-",
     "taint node NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]",
     {{"--overwrite=false",
       "If true, allow taints to be overwritten, otherwise reject taint updates that "
       "overwrite existing taints."}}},
    {"monitor",
     "Run the monitor of one pod (started by apply; not for interactive use).",
     NULL,
     "monitor NAMESPACE/NAME [options]",
     {{"--lock-fd=-1", "The pod's lock, held by the caller."},
      {"--notify-fd=-1", "Where to report that the pod started."}}},
};

static const struct cli_verb_help *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

const char *cli_verb_summary(const char *verb)
{
	const struct cli_verb_help *v = find_verb(verb);

	return v != NULL ? v->desc : NULL;
}

int cli_print_help(const char *verb)
{
	const struct cli_verb_help *v = find_verb(verb);

	if (v == NULL)
		return -1;
	printf("%s\n\n", v->desc);
	if (v->examples != NULL)
		printf("Examples:\n%s\n\n", v->examples);
	printf("Options:\n");
	for (size_t i = 0; i < sizeof(v->opts) / sizeof(v->opts[0]) && v->opts[i].flags; i++)
		printf("    %s:\n\t%s\n\n", v->opts[i].flags, v->opts[i].desc);
	printf("Usage:\n  peapod %s\n\n"
	       "Use \"peapod --help\" for a list of global command-line options (applies to all "
	       "commands).\n",
	       v->usage);
	return 0;
}

bool cli_help_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

const char *cli_verb;

/* The argument getopt was looking at when it stopped on a bad option. */
static const char *bad_arg(int argc, char **argv, int c)
{
	const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;

	if (c != ':' && optopt != 0 && optind < argc &&
	    (a == NULL || a[0] != '-' || a[1] == '-' || strchr(a, optopt) == NULL))
		a = argv[optind]; /* inside a cluster of short options */
	return a != NULL ? a : "";
}

static void report_bad_option(int argc, char **argv, int c)
{
	const char *a = bad_arg(argc, argv, c);

	if (strncmp(a, "--", 2) == 0) {
		int n = (int)strcspn(a, "=");

		if (c == ':')
			log_error("flag needs an argument: %.*s", n, a);
		else
			log_error("unknown flag: %.*s", n, a);
	} else if (c == ':') {
		log_error("flag needs an argument: '%c' in -%c", optopt, optopt);
	} else {
		log_error("unknown shorthand flag: '%c' in %s", optopt, a);
	}
	fprintf(stderr, "See 'peapod %s --help' for usage.\n", cli_verb ? cli_verb : "");
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char spec[128];
	size_t lead = shortopts[0] == '+' || shortopts[0] == '-';
	int c;

	(void)snprintf(spec, sizeof(spec), "%.*s:%s", (int)lead, shortopts, shortopts + lead);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == '?' || c == ':') {
		report_bad_option(argc, argv, c);
		return '?';
	}
	return c;
}
