/* buf.h: the growable byte buffer every module uses for text and mail.
 *
 * Invariants: after buf_init (or BUF_INIT) `data` is never NULL and
 * `data[len]` is always '\0', so a buf can be passed as a C string when it
 * holds no NUL bytes.  Memory is owned by the buf until buf_detach() hands it
 * over to the caller.  Size arithmetic is checked; running out of memory is
 * fatal (see util.h). */
#ifndef CONFER_BUF_H
#define CONFER_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty string */
};

extern char buf_empty_[1];
#define BUF_INIT { buf_empty_, 0, 0 }

void buf_init(struct buf *b);
/* Frees the contents; the buf is empty and usable again afterwards. */
void buf_release(struct buf *b);
/* Makes room for `extra` more bytes beyond len. */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
void buf_reset(struct buf *b);
/* Returns the NUL-terminated contents, now owned (and freed) by the caller;
 * the buf is left empty. Never returns NULL. */
char *buf_detach(struct buf *b, size_t *len);
/* Strips trailing white space (space, tab, CR, LF). */
void buf_rtrim(struct buf *b);

#endif
