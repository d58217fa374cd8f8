/* strpool.h: strings copied into big chunks and freed all together, for
 * structures that hold very many small strings for their whole life (the
 * archive index, the threader): a malloc per string would cost about as
 * much memory again. */
#ifndef CONFER_STRPOOL_H
#define CONFER_STRPOOL_H

#include <stddef.h>

struct strpool_chunk;

struct strpool {
	struct strpool_chunk *head;
};

#define STRPOOL_INIT { NULL }

/* A NUL-terminated copy of the len bytes at s, owned by the pool. */
char *strpool_dup(struct strpool *p, const char *s, size_t len);
/* Frees every string of the pool; the pool is empty and usable again. */
void strpool_release(struct strpool *p);

#endif
