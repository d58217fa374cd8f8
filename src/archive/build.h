/* build.h: generating a list's static archive from the store and the
 * database: list page, month pages, thread pages, message pages. */
#ifndef CONFER_BUILD_H
#define CONFER_BUILD_H

struct site;

/* (Re)builds the archive of one list; pages whose content did not change
 * are not rewritten.  Returns 0, or -1 (logged). */
int archive_build_list(struct site *site, const char *list);

/* Builds every list and the network home page.  0 or -1. */
int archive_build_all(struct site *site);

#endif
