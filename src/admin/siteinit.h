/* siteinit.h: making a new site in an empty folder. */
#ifndef CONFER_SITEINIT_H
#define CONFER_SITEINIT_H

#include "core/buf.h"

struct site_init_opts {
	const char *dir;
	const char *domain;
	const char *url;        /* NULL: http://localhost:8080/ */
	const char *relay_host; /* NULL: 127.0.0.1 */
	int relay_port;         /* 0: 25 */
	const char *transport;  /* NULL: smtp */
};

/* Creates DIR (or uses it when empty): confer.conf, confer.db, spool/,
 * store/, archive/, outbox/, templates/ and the network list.  Refuses a
 * non-empty folder.  Returns 0, or -1 with a reason in err. */
int site_init(const struct site_init_opts *o, struct buf *err);

#endif
