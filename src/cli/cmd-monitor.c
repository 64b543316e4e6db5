/* SPDX-License-Identifier: Apache-2.0 */
/* peapod monitor NAMESPACE/NAME: the per-pod monitor (started by apply). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "monitor/monitor.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"notify-fd", required_argument, NULL, 'n'},
	    {"lock-fd", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *ns = NULL;
	const char *slash;
	int c, fd = -1, lock_fd = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			fd = atoi(optarg);
		else if (c == 'l')
			lock_fd = atoi(optarg);
		else
			return 1;
	}
	if (optind >= argc || (slash = strchr(argv[optind], '/')) == NULL) {
		log_error("usage: peapod monitor NAMESPACE/NAME");
		return 1;
	}
	ns = xstrndup(argv[optind], (size_t)(slash - argv[optind]));
	return monitor_run(arg_root, ns, slash + 1, fd, lock_fd);
}
