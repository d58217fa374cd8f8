/* workers.c: forks the render workers of a full build and collects their
 * results (see workers.h for why processes). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/workers.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"

#define WORKERS_MAX 8
/* Below this many items one process is faster than forking. */
#define WORKERS_MIN_ITEMS 256

unsigned workers_count(const struct site *site, size_t items)
{
	long cpus;

	if (site->archive_workers > 0)
		return site->archive_workers > WORKERS_MAX ?
		       WORKERS_MAX : (unsigned)site->archive_workers;
	if (items < WORKERS_MIN_ITEMS)
		return 1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > WORKERS_MAX ? WORKERS_MAX : (unsigned)cpus;
}

/* The child's side: a connection of its own, then the job.  It leaves
 * with _exit so that nothing inherited (stdio buffers, the parent's
 * connection, atexit handlers) runs twice. */
static void child(struct site *site, unsigned k, unsigned n,
		  int (*job)(struct site *, unsigned, unsigned, void *),
		  void *arg)
{
	int rc;

	site->db = NULL;
	if (site_open_db(site) < 0)
		_exit(1);
	rc = job(site, k, n, arg);
	db_close(site->db);
	site->db = NULL;
	fflush(NULL);
	_exit(rc < 0 ? 1 : 0);
}

static int reap(pid_t pid, unsigned k)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("archive: waiting for render worker %u: %s",
				  k, strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		log_error("archive: render worker %u killed by signal %d", k,
			  WTERMSIG(status));
	/* a worker that exits 1 has logged its own reason */
	return -1;
}

int workers_run(struct site *site, unsigned n,
		int (*job)(struct site *site, unsigned k, unsigned n,
			   void *arg),
		void *arg)
{
	pid_t pids[WORKERS_MAX];
	unsigned k, started = 1;
	int rc = 0;

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	if (n <= 1)
		return job(site, 0, 1, arg);
	fflush(NULL);
	for (k = 1; k < n; k++) {
		pid_t pid = fork();
		if (pid == 0)
			child(site, k, n, job, arg);
		if (pid < 0) {
			/* fewer workers: this process renders the rest */
			log_warn("archive: cannot start render worker: %s",
				 strerror(errno));
			break;
		}
		pids[k] = pid;
		started++;
	}
	if (started < n) {
		/* the missing workers' shares are done here, in order */
		for (k = started; k < n; k++)
			if (job(site, k, n, arg) < 0)
				rc = -1;
	}
	if (job(site, 0, n, arg) < 0)
		rc = -1;
	for (k = 1; k < started; k++)
		if (reap(pids[k], k) < 0)
			rc = -1;
	return rc;
}
