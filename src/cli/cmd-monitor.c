/* SPDX-License-Identifier: Apache-2.0 */
/* peapod monitor NAMESPACE/NAME: the per-pod monitor (started by apply). */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "monitor/keeper.h"
#include "monitor/monitor.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"notify-fd", required_argument, NULL, 'n'},
	    {"lock-fd", required_argument, NULL, 'l'},
	    {"adopt-fd", required_argument, NULL, 'a'},
	    {"adopt", no_argument, NULL, 'A'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *ns = NULL;
	const char *slash;
	int c, fd = -1, lock_fd = -1, adopt_fd = -1;
	bool adopt = false;

	while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
		if (c == 'n')
			fd = atoi(optarg);
		else if (c == 'l')
			lock_fd = atoi(optarg);
		else if (c == 'a')
			adopt_fd = atoi(optarg);
		else if (c == 'A')
			adopt = true;
		else
			return 1;
	}
	if (optind >= argc || (slash = strchr(argv[optind], '/')) == NULL) {
		log_error("usage: peapod monitor NAMESPACE/NAME");
		return 1;
	}
	ns = xstrndup(argv[optind], (size_t)(slash - argv[optind]));
	if (adopt_fd >= 0) /* started by the supervisor to take the pod back */
		return monitor_run(&(struct monitor_opts){.root = arg_root,
		                                          .ns = ns,
		                                          .name = slash + 1,
		                                          .notify_fd = -1,
		                                          .lock_fd = lock_fd,
		                                          .keeper_fd = adopt_fd,
		                                          .adopt = true});
	return monitor_supervise(arg_root, ns, slash + 1, fd, lock_fd, adopt);
}
