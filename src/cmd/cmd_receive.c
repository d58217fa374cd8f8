/* cmd_receive.c: `confer receive`, the MTA's pipe.  Writes the message and
 * its envelope durably into the spool and exits 0 only then.  Exit codes
 * follow sysexits so that the MTA retries (75) or bounces (others). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/lists.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/clock.h"
#include "core/site.h"
#include "core/util.h"
#include "intake/spool.h"
#include "mail/address.h"

#define EX_DATAERR 65
#define EX_NOUSER 67
#define EX_UNAVAILABLE 69
#define EX_TEMPFAIL 75

/* Reads standard input up to max bytes: 0, 1 when larger, -1 on error. */
static int read_input(size_t max, struct buf *in)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(0, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (in->len + (size_t)n > max)
			return 1;
		buf_add(in, chunk, (size_t)n);
	}
}

static int check_recipient(struct site *site, const char *rcpt)
{
	struct list_addr la;
	struct list_info li;
	int rc;

	if (list_addr_parse(rcpt, site->domain, site->delimiter, &la) < 0) {
		fprintf(stderr, "confer receive: \"%s\" is no list address of "
			"%s\n", rcpt, site->domain);
		return EX_NOUSER;
	}
	rc = list_lookup(site->db, la.list, &li);
	if (rc < 0) {
		fprintf(stderr, "confer receive: database unavailable\n");
		return EX_TEMPFAIL;
	}
	if (rc == 1) {
		fprintf(stderr, "confer receive: \"%s\": there is no list \"%s\"\n",
			rcpt, la.list);
		return EX_NOUSER;
	}
	list_info_release(&li);
	return 0;
}

static void envelope_from_env(const char **sender, const char **rcpt)
{
	const char *r = getenv("ORIGINAL_RECIPIENT");

	if (!*sender)
		*sender = getenv("SENDER");
	if (!r || !*r)
		r = getenv("RECIPIENT");
	*rcpt = r;
}

static int store(struct site *site, const char *sender, char **rcpts,
		 size_t n, struct buf *in)
{
	struct buf msg = BUF_INIT, addr = BUF_INIT;
	const char *why;
	int rc = 0;

	mail_canonicalize(in->data, in->len, &msg, NULL);
	if (!mail_has_header(msg.data, msg.len, &why)) {
		fprintf(stderr, "confer receive: not a message: %s\n", why);
		rc = EX_DATAERR;
	} else {
		address_strip(sender ? sender : "", &addr);
		if (spool_write(site->spool_dir, addr.data,
				(const char *const *)rcpts, n, clock_now(),
				"pipe", msg.data, msg.len, NULL) < 0) {
			fprintf(stderr, "confer receive: cannot write to the spool "
				"\"%s\": %s\n", site->spool_dir, strerror(errno));
			rc = EX_TEMPFAIL;
		}
	}
	buf_release(&msg);
	buf_release(&addr);
	return rc;
}

int cmd_receive(struct site *site, int argc, char **argv)
{
	struct buf in = BUF_INIT;
	const char *sender, *env_rcpt = NULL;
	char *one[1];
	char **rcpts;
	size_t n;
	int missing = 0, i, rc;

	if (wants_help(argc, argv))
		return usage_of("receive", 0);
	sender = opt_take(&argc, argv, "--sender", &missing);
	if (missing || opt_unknown(argc, argv, "receive"))
		return usage_of("receive", 1);
	rcpts = argv + 1;
	n = (size_t)(argc - 1);
	if (n == 0) {
		envelope_from_env(&sender, &env_rcpt);
		if (!env_rcpt || !*env_rcpt) {
			fprintf(stderr, "confer receive: no recipient given (neither "
				"arguments nor RECIPIENT)\n");
			return 64;
		}
		one[0] = (char *)env_rcpt;
		rcpts = one;
		n = 1;
	}
	if (n > SPOOL_MAX_RCPTS) {
		fprintf(stderr, "confer receive: too many recipients\n");
		return 64;
	}
	for (i = 0; (size_t)i < n; i++)
		if ((rc = check_recipient(site, rcpts[i])) != 0)
			return rc;
	rc = read_input((size_t)site->hard_max_size, &in);
	if (rc < 0) {
		fprintf(stderr, "confer receive: cannot read the message: %s\n",
			strerror(errno));
		rc = EX_TEMPFAIL;
	} else if (rc == 1) {
		fprintf(stderr, "confer receive: message larger than %ld bytes "
			"refused\n", site->hard_max_size);
		rc = EX_UNAVAILABLE;
	} else {
		rc = store(site, sender, rcpts, n, &in);
	}
	buf_release(&in);
	return rc;
}
