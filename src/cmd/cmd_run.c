/* cmd_run.c: `confer run` and `confer queue`. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "archive/build.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "delivery/queue.h"
#include "runner/runner.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Sleeps about half a second unless a stop was asked for, so that new
 * spool files are noticed within a second. */
static void pause_briefly(void)
{
	struct timespec ts = { 0, 500 * 1000 * 1000 };

	if (!stop_requested)
		nanosleep(&ts, NULL);
}

int cmd_run(struct site *site, int argc, char **argv)
{
	int once, rc = 0, caught;

	if (wants_help(argc, argv))
		return usage_of("run", 0);
	once = opt_flag(&argc, argv, "--once");
	if (opt_unknown(argc, argv, "run") || argc != 1)
		return usage_of("run", 1);
	install_handlers();
	queue_cleanup(site);
	/* an earlier run or import may have stopped half-way */
	caught = archive_catch_up(site);
	if (!once)
		log_info("runner: started");
	do {
		rc = runner_step(site, &stop_requested);
		if (!once)
			pause_briefly();
	} while (!once && !stop_requested);
	if (!once)
		log_info("runner: stopped");
	/* broken site templates are the operator's to fix (78); anything
	 * else that failed is retried by the next pass (75) */
	if (rc == ARCHIVE_BAD_TEMPLATES || caught == ARCHIVE_BAD_TEMPLATES)
		return 78;
	return rc < 0 || caught < 0 ? 75 : 0;
}

int cmd_queue(struct site *site, int argc, char **argv)
{
	const char *days;
	long n, ndays = 7;
	int missing = 0;

	if (wants_help(argc, argv))
		return usage_of("queue", 0);
	days = opt_take(&argc, argv, "--days", &missing);
	if (missing || opt_unknown(argc, argv, "queue") ||
	    (days && parse_long(days, 0, 36500, &ndays) < 0) ||
	    (days && (argc != 2 || strcmp(argv[1], "failed"))))
		return usage_of("queue", 1);
	if (argc == 1)
		return queue_print(site->db, -1) < 0 ? 75 : 0;
	if (argc == 2 && !strcmp(argv[1], "failed"))
		return queue_print(site->db, ndays) < 0 ? 75 : 0;
	if (argc != 2 || strcmp(argv[1], "retry"))
		return usage_of("queue", 1);
	n = queue_retry_all(site->db);
	if (n < 0)
		return 75;
	printf("%ld deliveries are due now\n", n);
	return 0;
}
