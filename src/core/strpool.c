/* strpool.c: the chunked string pool (see strpool.h). */
#include <stdlib.h>
#include <string.h>

#include "core/strpool.h"
#include "core/util.h"

#define STRPOOL_CHUNK ((size_t)1 << 16)

struct strpool_chunk {
	struct strpool_chunk *next;
	size_t used, cap;
	char data[];
};

char *strpool_dup(struct strpool *p, const char *s, size_t len)
{
	struct strpool_chunk *c = p->head;
	char *r;

	if (len == (size_t)-1)
		die("string pool: string too long");
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > STRPOOL_CHUNK ? len + 1 : STRPOOL_CHUNK;
		c = xmalloc(sizeof(*c) + cap);
		c->next = p->head;
		c->used = 0;
		c->cap = cap;
		p->head = c;
	}
	r = c->data + c->used;
	memcpy(r, s, len);
	r[len] = '\0';
	c->used += len + 1;
	return r;
}

void strpool_release(struct strpool *p)
{
	while (p->head) {
		struct strpool_chunk *next = p->head->next;
		free(p->head);
		p->head = next;
	}
}
