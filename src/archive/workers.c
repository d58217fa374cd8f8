/* workers.c: forks the render workers of a full build, hands out items
 * from counters in shared memory and collects the results (see workers.h
 * for why processes). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/workers.h"
#include "core/db.h"
#include "core/proc.h"
#include "core/log.h"
#include "core/util.h"

#define WORKERS_MAX 8
/* Below this many items one process is faster than forking. */
#define WORKERS_MIN_ITEMS 256
#define WORKERS_QUEUES 2

struct workers {
	unsigned self, n;
	atomic_size_t *next;    /* WORKERS_QUEUES counters, shared */
	int gate[2];            /* worker 0 writes one byte per other worker */
	int released;           /* worker 0: what it released with (-1: not
				 * yet) */
};

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

unsigned workers_self(const struct workers *w)
{
	return w->self;
}

size_t workers_take(struct workers *w, unsigned q, size_t chunk)
{
	return atomic_fetch_add(&w->next[q], chunk);
}

void workers_release(struct workers *w, int ok)
{
	char c = ok ? '1' : '0';
	unsigned k;

	if (w->self != 0 || w->released >= 0)
		return;
	w->released = ok != 0;
	for (k = 1; k < w->n; k++)
		while (write(w->gate[1], &c, 1) < 0 && errno == EINTR)
			;
}

int workers_wait(struct workers *w)
{
	char c = '0';
	ssize_t r;

	if (w->self == 0)
		return w->released == 1 ? 0 : -1;
	while ((r = read(w->gate[0], &c, 1)) < 0 && errno == EINTR)
		;
	return r == 1 && c == '1' ? 0 : -1;
}

/* The child's side: a connection of its own, then the job.  It leaves
 * with _exit so that nothing inherited (stdio buffers, the parent's
 * connection, atexit handlers) runs twice. */
static void child(struct site *site, struct workers *w,
		  int (*job)(struct site *, struct workers *, void *),
		  void *arg)
{
	int rc = -1;

	/* a worker 0 that dies must end the wait with EOF, not hang it */
	close(w->gate[1]);
	site->db = NULL;
	if (site_open_db(site) == 0) {
		rc = job(site, w, arg);
		db_close(site->db);
		site->db = NULL;
	}
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
		int (*job)(struct site *site, struct workers *w, void *arg),
		void *arg)
{
	struct workers w;
	pid_t pids[WORKERS_MAX];
	unsigned k, started = 1;
	size_t q;
	int rc;

	memset(&w, 0, sizeof(w));
	w.released = -1;
	w.gate[0] = w.gate[1] = -1;
	w.n = n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : n;
	w.next = mmap(NULL, WORKERS_QUEUES * sizeof(atomic_size_t),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w.next == MAP_FAILED)
		die("archive: cannot map the work counters: %s",
		    strerror(errno));
	for (q = 0; q < WORKERS_QUEUES; q++)
		atomic_init(&w.next[q], 0);
	if (w.n > 1 && pipe(w.gate) < 0) {
		log_warn("archive: cannot start render workers: %s",
			 strerror(errno));
		w.n = 1;
	}
	for (k = 1; k < w.n; k++) {
		pid_t pid = fork_helper();
		if (pid == 0) {
			w.self = k;
			child(site, &w, job, arg);
		}
		if (pid < 0) {
			/* the ones started share the work with this one */
			log_warn("archive: cannot start render worker: %s",
				 strerror(errno));
			break;
		}
		pids[k] = pid;
		started++;
	}
	w.n = started;
	rc = job(site, &w, arg);
	/* whatever job did, no worker may wait for ever */
	workers_release(&w, 0);
	for (k = 1; k < started; k++)
		if (reap(pids[k], k) < 0)
			rc = -1;
	if (w.gate[0] >= 0) {
		close(w.gate[0]);
		close(w.gate[1]);
	}
	munmap(w.next, WORKERS_QUEUES * sizeof(atomic_size_t));
	return rc;
}
