/* util.h: allocation that never returns NULL, fatal errors, small string
 * helpers.  Every .c file includes it; it pulls in banned.h last. */
#ifndef CONFER_UTIL_H
#define CONFER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Overflow-checked n * size for arrays. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Prints "confer: MESSAGE" to stderr and exits 70 (EX_SOFTWARE).  Only for
 * start-up failures, out of memory and broken invariants. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parses a whole decimal string into [min, max]; returns 0 or -1. */
int parse_long(const char *s, long min, long max, long *out);

/* qsort/bsearch comparator for an array of char *: strcmp order. */
int strptr_cmp(const void *a, const void *b);

/* ASCII-only case-insensitive helpers (mail is case-insensitive in ASCII). */
int ascii_casecmp(const char *a, const char *b);
int ascii_ncasecmp(const char *a, const char *b, size_t n);
void ascii_lower(char *s);
/* Returns a pointer past leading spaces and tabs. */
const char *skip_ws(const char *s);
/* Does s start with prefix, ASCII case-insensitively? */
int starts_with_ci(const char *s, const char *prefix);
int ends_with_ci(const char *s, const char *suffix);

/* Is v one of the '|'-separated choices ("hold|reject|discard")? */
int is_choice(const char *choices, const char *v);

/* Does s hold a control character (CR, LF, NUL-free C0 or DEL)?  Names
 * and descriptions that end up in mail and pages must not. */
int has_control_chars(const char *s);

/* Prints s for a terminal: text from mail, a relay or a command line may
 * hold control characters, shown as escapes (\n, \xHH, \uHHHH for C1)
 * rather than let move the cursor, color the screen or start a line that
 * looks like another record. */
void put_escaped(const char *s, FILE *f);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "banned.h"

#endif
