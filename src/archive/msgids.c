/* msgids.c: pulling Message-IDs out of References and In-Reply-To values
 * as real mailers write them, not only as RFC 5322 section 3.6.4 says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/thread.h"
#include "core/util.h"

/* Twice MSGIDS_MAX and a power of two, so the seen-set in msgids_parse
 * never fills beyond half. */
#define SEEN_SLOTS 2048

struct scanner {
	const char *p;
	int comments_broken; /* an unclosed '(' was seen: '(' is text now */
	int quotes_broken;   /* likewise for '"' */
	int angle;           /* a '<' was seen, so bare ids are not allowed */
	size_t ntokens;      /* words outside comments, for the bare-id case */
	const char *token;   /* the last such word */
	size_t token_len;
	char id[MSGID_MAX_LEN + 1];
};

static int is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Control characters never belong in an id; 8-bit bytes are tolerated
 * because some mailers do put UTF-8 there. */
static int is_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

uint32_t msgids_hash(const char *id, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a: short keys, good spread */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 16777619u;
	}
	return h;
}

/* Returns the position after the comment opening at p (comments nest and
 * know backslash escapes), or NULL when it never closes. */
static const char *skip_comment(const char *p)
{
	size_t depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return NULL;
}

/* Same for the quoted string opening at p ("Your message of "Mon..."). */
static const char *skip_quoted(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Reads the "<...>" opening at s->p into s->id, dropping folding white
 * space inside.  Returns the id's length, 0 when there is no usable id.
 * A second '<' before the '>' restarts there ("<<id>"); an unclosed '<' is
 * skipped alone.  Each '<' is scanned past only once, so this is linear. */
static size_t read_angle(struct scanner *s)
{
	const char *q;
	size_t n = 0;
	int bad = 0;

	for (q = s->p + 1; *q && *q != '>'; q++) {
		if (*q == '<') {
			s->p = q;
			return 0;
		}
		if (is_fws(*q))
			continue;
		if (is_ctl(*q) || n == MSGID_MAX_LEN)
			bad = 1;
		else
			s->id[n++] = *q;
	}
	if (*q != '>') {
		s->p++;
		return 0;
	}
	s->p = q + 1;
	if (bad)
		return 0;
	s->id[n] = '\0';
	return n;
}

/* Steps over a word outside angle brackets, remembering it in case it is
 * the only thing in the field. */
static void read_word(struct scanner *s)
{
	const char *start = s->p;

	while (*s->p && !is_fws(*s->p) && *s->p != '<' &&
	       !(*s->p == '(' && !s->comments_broken) &&
	       !(*s->p == '"' && !s->quotes_broken))
		s->p++;
	if (s->p == start) /* cannot happen; guarantees progress anyway */
		s->p++;
	s->ntokens++;
	s->token = start;
	s->token_len = (size_t)(s->p - start);
}

/* Skips a comment or quoted string at s->p.  Returns 0 when there was
 * none; once one fails to close, later ones could not close either, so we
 * stop trying (it keeps "((((..." linear). */
static int skip_cfws(struct scanner *s)
{
	const char *q;

	if (*s->p == '(' && !s->comments_broken) {
		q = skip_comment(s->p);
		if (q) {
			s->p = q;
			return 1;
		}
		s->comments_broken = 1;
	} else if (*s->p == '"' && !s->quotes_broken) {
		q = skip_quoted(s->p);
		if (q) {
			s->p = q;
			s->ntokens += 2; /* a phrase: no bare id here */
			return 1;
		}
		s->quotes_broken = 1;
	}
	return 0;
}

/* In-Reply-To: id@host, with no brackets: accepted only when that single
 * word, containing '@', is all the field holds (comments aside). */
static size_t bare_id(struct scanner *s)
{
	size_t i;

	if (s->angle || s->ntokens != 1 || s->token_len > MSGID_MAX_LEN ||
	    !memchr(s->token, '@', s->token_len))
		return 0;
	for (i = 0; i < s->token_len; i++) {
		if (is_ctl(s->token[i]) || s->token[i] == '>')
			return 0;
	}
	memcpy(s->id, s->token, s->token_len);
	s->id[s->token_len] = '\0';
	return s->token_len;
}

size_t msgids_scan(const char *value,
		   int (*fn)(const char *id, size_t len, void *arg), void *arg)
{
	struct scanner s;
	size_t len, calls = 0;

	if (!value)
		return 0;
	memset(&s, 0, sizeof(s));
	s.p = value;
	while (*s.p) {
		if (is_fws(*s.p)) {
			s.p++;
		} else if (*s.p == '<') {
			s.angle = 1;
			len = read_angle(&s);
			if (len && (calls++, fn(s.id, len, arg)))
				return calls;
		} else if (!skip_cfws(&s)) {
			read_word(&s);
		}
	}
	len = bare_id(&s);
	if (len) {
		calls++;
		fn(s.id, len, arg);
	}
	return calls;
}

/* msgids_parse's accumulator: the ids kept so far and a small open-
 * addressed set over them so duplicates cost O(1), not O(count). */
struct collect {
	char **ids;
	size_t n;
	uint16_t slot[SEEN_SLOTS]; /* index + 1 into ids; 0 is empty */
};

static int collect_id(const char *id, size_t len, void *arg)
{
	struct collect *c = arg;
	size_t i = msgids_hash(id, len) & (SEEN_SLOTS - 1);

	for (; c->slot[i]; i = (i + 1) & (SEEN_SLOTS - 1)) {
		if (strcmp(c->ids[c->slot[i] - 1], id) == 0)
			return 0; /* keep the first of duplicates */
	}
	c->ids[c->n++] = xstrndup(id, len);
	c->slot[i] = (uint16_t)c->n;
	return c->n == MSGIDS_MAX;
}

size_t msgids_parse(const char *value, char ***ids)
{
	struct collect *c = xcalloc(1, sizeof(*c));
	size_t n;

	c->ids = xreallocarray(NULL, MSGIDS_MAX, sizeof(*c->ids));
	msgids_scan(value, collect_id, c);
	n = c->n;
	if (n == 0) {
		free(c->ids);
		*ids = NULL;
	} else {
		*ids = xreallocarray(c->ids, n, sizeof(**ids));
	}
	free(c);
	return n;
}

void msgids_free(char **ids, size_t n)
{
	size_t i;

	if (!ids)
		return;
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
