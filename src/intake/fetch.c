/* fetch.c: Maildir sources (see fetch.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/util.h"
#include "intake/fetch.h"
#include "intake/spool.h"
#include "mail/address.h"
#include "mail/header.h"

#define CLAIM_PREFIX "confer-claim."

static int spool_one(const char *spool_dir, const char *file,
		     const char *recipient, long long max_size)
{
	struct buf raw = BUF_INIT, msg = BUF_INIT, rp = BUF_INIT,
		   sender = BUF_INIT;
	const char *why, *rcpts[1] = { recipient };
	int rc;

	rc = read_file(file, (size_t)max_size, &raw);
	if (rc < 0) {
		log_error("fetch: cannot read \"%s\": %s", file, strerror(errno));
		goto out;
	}
	mail_canonicalize(raw.data, raw.len, &msg, NULL);
	if (!mail_has_header(msg.data, msg.len, &why))
		log_warn("fetch: \"%s\": %s (the runner will quarantine it)",
			 file, why);
	/* the delivering MDA records the envelope sender in Return-Path;
	 * without one, From is the best guess (never the null sender, which
	 * would make a person's post look like a bounce) */
	if (header_get(msg.data, msg.len, "Return-Path", &rp) == 0) {
		address_strip(rp.data, &sender);
	} else {
		struct buf name = BUF_INIT;
		header_from(msg.data, msg.len, &sender, &name);
		buf_release(&name);
	}
	rc = spool_write(spool_dir, sender.data, rcpts, 1, clock_now(), "fetch",
			 msg.data, msg.len, NULL);
	if (rc < 0)
		log_error("fetch: cannot write to the spool: %s", strerror(errno));
	else if (unlink(file) < 0)
		log_warn("fetch: cannot remove \"%s\": %s", file, strerror(errno));
out:
	buf_release(&raw);
	buf_release(&msg);
	buf_release(&rp);
	buf_release(&sender);
	return rc;
}

/* A claim left by a fetch that died is taken over. */
static int stale_claim(const char *name)
{
	long pid;
	char digits[24];
	size_t n = strspn(name + strlen(CLAIM_PREFIX), "0123456789");

	if (n == 0 || n >= sizeof(digits))
		return 0;
	memcpy(digits, name + strlen(CLAIM_PREFIX), n);
	digits[n] = '\0';
	if (parse_long(digits, 1, 1L << 30, &pid) < 0)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static long fetch_dir(const char *spool_dir, const char *root,
		      const char *sub, const char *recipient,
		      long long max_size)
{
	struct buf dir = BUF_INIT, from = BUF_INIT, claim = BUF_INIT;
	DIR *d;
	struct dirent *e;
	long n = 0;

	path_join(&dir, root, sub);
	d = opendir(dir.data);
	if (!d) {
		log_error("fetch: cannot open \"%s\": %s", dir.data, strerror(errno));
		buf_release(&dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL && n >= 0) {
		int claimed = !strncmp(e->d_name, CLAIM_PREFIX, strlen(CLAIM_PREFIX));
		const char *base = e->d_name;
		/* tmp/ holds mail still being written: only our own stale
		 * claims are taken from there */
		if (e->d_name[0] == '.' || (claimed && !stale_claim(e->d_name)) ||
		    (!claimed && !strcmp(sub, "tmp")))
			continue;
		if (claimed) {
			base = strchr(e->d_name + strlen(CLAIM_PREFIX), '.');
			if (!base)
				continue;
			base++;
		}
		buf_reset(&from);
		buf_reset(&claim);
		path_join(&from, dir.data, e->d_name);
		buf_printf(&claim, "%s/tmp/%s%ld.%s", root, CLAIM_PREFIX,
			   (long)getpid(), base);
		if (rename(from.data, claim.data) < 0)
			continue;	/* another fetch took it */
		if (spool_one(spool_dir, claim.data, recipient, max_size) < 0)
			n = -1;
		else
			n++;
	}
	closedir(d);
	buf_release(&dir);
	buf_release(&from);
	buf_release(&claim);
	return n;
}

long fetch_maildir(const char *spool_dir, const char *path,
		   const char *recipient, long long max_size)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	long total = 0, n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		n = fetch_dir(spool_dir, path, subs[i], recipient, max_size);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}
