/* template.c: the logic-less template engine that renders the archive pages
 * (syntax, scoping and ownership rules are in template.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/template.h"
#include "archive/template_check.h"
#include "core/buf.h"
#include "core/util.h"

#define TPL_MAX_PARTIAL_DEPTH 16
#define TPL_MAX_NESTING 64          /* sections open at once in one file */
#define TPL_MAX_NAME 128
#define TPL_MAX_FILE_NAME 255
#define TPL_MAX_FILE (1024 * 1024)  /* templates are small; cap what we read */
#define TPL_STRING_FILE "string"    /* FILE in errors of string templates */
#define TCTX_INDEX_MIN 8            /* below this a linear scan is faster */

/* ---- contexts ---------------------------------------------------------- */

enum tkind { TV_STR, TV_HTML, TV_BOOL, TV_MAP, TV_LIST };

struct tval {
	enum tkind kind;
	unsigned char shared;   /* TV_MAP borrowed (tctx_set_shared): not freed */
	union {
		struct {
			char *s;
			size_t len;
		} str;                  /* TV_STR, TV_HTML */
		int b;                  /* TV_BOOL */
		struct tctx *map;       /* TV_MAP */
		struct {
			struct tval *items; /* TV_MAP or TV_STR items */
			size_t n, cap;
		} list;                 /* TV_LIST */
	} u;
};

struct tentry {
	char *key;
	size_t klen;
	uint32_t hash;
	struct tval val;
};

/* Item maps of big lists usually hold a handful of names, so they are
 * scanned linearly; a hash index is only built once a map grows past
 * TCTX_INDEX_MIN names, which keeps lookups O(1) in big top-level maps. */
struct tctx {
	struct tentry *ents;
	size_t n, cap;
	uint32_t *slots;        /* entry index + 1; 0 marks a free slot */
	size_t nslots;          /* power of two, or 0 while unindexed */
};

/* FNV-1a: names are chosen by programmers, not by senders, so a simple
 * hash cannot be flooded. */
static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void tval_release(struct tval *v)
{
	size_t i;

	switch (v->kind) {
	case TV_STR:
	case TV_HTML:
		free(v->u.str.s);
		break;
	case TV_MAP:
		if (!v->shared)
			tctx_free(v->u.map);
		break;
	case TV_LIST:
		for (i = 0; i < v->u.list.n; i++)
			tval_release(&v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case TV_BOOL:
		break;
	}
	v->kind = TV_BOOL;
	v->shared = 0;
	v->u.b = 0;
}

struct tctx *tctx_new(void)
{
	return xcalloc(1, sizeof(struct tctx));
}

void tctx_free(struct tctx *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->ents[i].key);
		tval_release(&c->ents[i].val);
	}
	free(c->ents);
	free(c->slots);
	free(c);
}

static int entry_is(const struct tentry *e, const char *k, size_t len,
		    uint32_t h)
{
	return e->hash == h && e->klen == len && memcmp(e->key, k, len) == 0;
}

static struct tentry *ctx_find(const struct tctx *c, const char *k,
			       size_t len, uint32_t h)
{
	size_t i, mask;

	if (!c->nslots) {
		for (i = 0; i < c->n; i++)
			if (entry_is(&c->ents[i], k, len, h))
				return &c->ents[i];
		return NULL;
	}
	mask = c->nslots - 1;
	for (i = h & mask; c->slots[i]; i = (i + 1) & mask)
		if (entry_is(&c->ents[c->slots[i] - 1], k, len, h))
			return &c->ents[c->slots[i] - 1];
	return NULL;
}

static void ctx_slot_put(struct tctx *c, size_t idx)
{
	size_t mask = c->nslots - 1;
	size_t i = c->ents[idx].hash & mask;

	while (c->slots[i])
		i = (i + 1) & mask;
	c->slots[i] = (uint32_t)(idx + 1);
}

/* Keeps the index at most half full so probe runs stay short. */
static void ctx_index_add(struct tctx *c)
{
	size_t i;

	if (c->n <= TCTX_INDEX_MIN)
		return;
	if (c->n > UINT32_MAX - 1)
		die("template context too large");
	if (c->n * 2 <= c->nslots) {
		ctx_slot_put(c, c->n - 1);
		return;
	}
	free(c->slots);
	c->nslots = c->nslots ? c->nslots * 2 : 4 * TCTX_INDEX_MIN;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (i = 0; i < c->n; i++)
		ctx_slot_put(c, i);
}

/* Returns the entry for the len-byte key k, created as "false" if new. */
static struct tentry *ctx_entry_n(struct tctx *c, const char *k, size_t len)
{
	uint32_t h = name_hash(k, len);
	struct tentry *e = ctx_find(c, k, len, h);

	if (e)
		return e;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		c->ents = xreallocarray(c->ents, c->cap, sizeof(*c->ents));
	}
	e = &c->ents[c->n++];
	e->key = xstrndup(k, len);
	e->klen = len;
	e->hash = h;
	e->val.kind = TV_BOOL;
	e->val.shared = 0;
	e->val.u.b = 0;
	ctx_index_add(c);
	return e;
}

/* The map under key k, replacing any other value stored there. */
static struct tctx *ctx_map_n(struct tctx *c, const char *k, size_t len)
{
	struct tentry *e = ctx_entry_n(c, k, len);

	/* a borrowed map is never written through */
	if (e->val.kind == TV_MAP && !e->val.shared)
		return e->val.u.map;
	tval_release(&e->val);
	e->val.kind = TV_MAP;
	e->val.u.map = tctx_new();
	return e->val.u.map;
}

/* Setters take dotted names too, so that tctx_set(c, "list.name", ..) is
 * what {{list.name}} reads: walks (creating) the maps of all but the last
 * part and returns that last part. */
static const char *ctx_walk(struct tctx **c, const char *name)
{
	const char *dot;

	while ((dot = strchr(name, '.')) != NULL) {
		*c = ctx_map_n(*c, name, (size_t)(dot - name));
		name = dot + 1;
	}
	return name;
}

static struct tentry *ctx_entry(struct tctx *c, const char *name)
{
	name = ctx_walk(&c, name);
	return ctx_entry_n(c, name, strlen(name));
}

/* Stores s (taking ownership) under name, replacing any old value. */
static void ctx_put_str(struct tctx *c, const char *name, char *s,
			size_t len, enum tkind kind)
{
	struct tentry *e = ctx_entry(c, name);

	tval_release(&e->val);
	e->val.kind = kind;
	e->val.u.str.s = s;
	e->val.u.str.len = len;
}

void tctx_set(struct tctx *c, const char *name, const char *value)
{
	if (!value)
		value = "";
	ctx_put_str(c, name, xstrdup(value), strlen(value), TV_STR);
}

void tctx_setf(struct tctx *c, const char *name, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	size_t len;
	char *s;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s = buf_detach(&b, &len);
	ctx_put_str(c, name, s, len, TV_STR);
}

void tctx_set_html(struct tctx *c, const char *name, const char *html)
{
	if (!html)
		html = "";
	ctx_put_str(c, name, xstrdup(html), strlen(html), TV_HTML);
}

void tctx_set_bool(struct tctx *c, const char *name, int value)
{
	struct tentry *e = ctx_entry(c, name);

	tval_release(&e->val);
	e->val.u.b = value != 0;
}

struct tctx *tctx_map(struct tctx *c, const char *name)
{
	name = ctx_walk(&c, name);
	return ctx_map_n(c, name, strlen(name));
}

/* Returns a new uninitialised slot at the end of the list under name. */
static struct tval *ctx_list_append(struct tctx *c, const char *name)
{
	struct tentry *e = ctx_entry(c, name);
	struct tval *l = &e->val;

	if (l->kind != TV_LIST) {
		tval_release(l);
		l->kind = TV_LIST;
		l->u.list.items = NULL;
		l->u.list.n = l->u.list.cap = 0;
	}
	if (l->u.list.n == l->u.list.cap) {
		l->u.list.cap = l->u.list.cap ? l->u.list.cap * 2 : 8;
		l->u.list.items = xreallocarray(l->u.list.items, l->u.list.cap,
						sizeof(struct tval));
	}
	return &l->u.list.items[l->u.list.n++];
}

void tctx_set_shared(struct tctx *c, const char *name,
		     const struct tctx *shared)
{
	struct tentry *e = ctx_entry(c, name);

	tval_release(&e->val);
	e->val.kind = TV_MAP;
	e->val.shared = 1;
	/* only read through: lookups take const maps */
	e->val.u.map = (struct tctx *)(uintptr_t)shared;
}

struct tctx *tctx_push(struct tctx *c, const char *name)
{
	struct tval *v = ctx_list_append(c, name);

	v->kind = TV_MAP;
	v->shared = 0;
	v->u.map = tctx_new();
	return v->u.map;
}

void tctx_push_str(struct tctx *c, const char *name, const char *value)
{
	struct tval *v = ctx_list_append(c, name);

	if (!value)
		value = "";
	v->kind = TV_STR;
	v->shared = 0;
	v->u.str.len = strlen(value);
	v->u.str.s = xstrndup(value, v->u.str.len);
}

/* ---- parsed templates --------------------------------------------------- */

struct tpart {
	const char *s;
	size_t len;
	uint32_t hash;
};

enum special { SP_NONE, SP_DOT, SP_FIRST, SP_LAST, SP_INDEX };

/* A name from a tag, split and hashed once at parse time so rendering
 * never re-scans it. */
struct tname {
	const char *s;          /* the whole name, inside the template source */
	size_t len;
	struct tpart *parts;
	size_t nparts;
	enum special special;
};

enum ntype { N_TEXT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

/* Templates are flat arrays of nodes: a section's body is the nodes from
 * its index + 1 up to `end`, which keeps rendering a tight loop. */
struct tnode {
	enum ntype type;
	unsigned line;
	const char *text;       /* N_TEXT: bytes inside the source */
	size_t len;
	struct tname name;
	size_t end;             /* sections: index just past their body */
	struct tpl *partial;    /* N_PARTIAL: resolved on first render */
};

struct tpl {
	char *name;             /* as asked for, e.g. "thread.html" */
	char *file;             /* where it came from, for error messages */
	char *src;
	size_t srclen;
	struct tnode *nodes;
	size_t n, cap;
};

struct tset {
	char *dirs[2];          /* override folder first, then default */
	struct tpl **tpls;      /* parse cache */
	size_t n, cap;
};

static void err_printf(struct buf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void err_printf(struct buf *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
}

static void tpl_free(struct tpl *tp)
{
	size_t i;

	if (!tp)
		return;
	for (i = 0; i < tp->n; i++)
		free(tp->nodes[i].name.parts);
	free(tp->nodes);
	free(tp->name);
	free(tp->file);
	free(tp->src);
	free(tp);
}

static int is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* Partial and template names become part of a path, so they are held to
 * plain file names: an allow-listed alphabet, no leading dot, no "..". */
static int file_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TPL_MAX_FILE_NAME || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_name_char(s[i]) && s[i] != '.')
			return 0;
		if (s[i] == '.' && i + 1 < len && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

static int name_special(const char *s, size_t len, struct tname *n)
{
	static const struct {
		const char *name;
		enum special sp;
	} specials[] = {
		{ ".", SP_DOT }, { "-first", SP_FIRST },
		{ "-last", SP_LAST }, { "-index", SP_INDEX },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specials); i++) {
		if (strlen(specials[i].name) == len &&
		    memcmp(specials[i].name, s, len) == 0) {
			n->special = specials[i].sp;
			return 0;
		}
	}
	return -1;
}

/* Splits a dotted name; returns -1 if it is not a valid name. */
static int name_parse(const char *s, size_t len, struct tname *n)
{
	size_t i, start = 0, k = 0;

	memset(n, 0, sizeof(*n));
	n->s = s;
	n->len = len;
	if (len == 0 || len > TPL_MAX_NAME)
		return -1;
	if (s[0] == '.' || s[0] == '-')
		return name_special(s, len, n);
	for (i = 0; i < len; i++)
		if (s[i] == '.' ? (i + 1 == len || s[i + 1] == '.') :
				  !is_name_char(s[i]))
			return -1;
	for (i = 0, n->nparts = 1; i < len; i++)
		n->nparts += s[i] == '.';
	n->parts = xreallocarray(NULL, n->nparts, sizeof(*n->parts));
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		n->parts[k].s = s + start;
		n->parts[k].len = i - start;
		n->parts[k].hash = name_hash(s + start, i - start);
		k++;
		start = i + 1;
	}
	return 0;
}

/* ---- parser ------------------------------------------------------------ */

struct parser {
	struct tpl *tpl;
	const char *p;          /* first byte not yet parsed */
	const char *end;
	unsigned line;          /* line of p */
	size_t open[TPL_MAX_NESTING]; /* node indices of unclosed sections */
	size_t nopen;
	struct buf *err;
};

struct tag {
	char sigil;             /* '#', '^', '/', '>', '!', '{' or 0 */
	const char *start;      /* the first '{' */
	const char *after;      /* just past the closing braces */
	const char *in;         /* content, blanks trimmed */
	size_t inlen;
	unsigned line;
};

/* memmem is a GNU extension outside our feature macros; this is enough
 * for the two- and three-byte delimiters we look for. */
static const char *find_delim(const char *p, const char *end, const char *d,
			      size_t dlen)
{
	while ((size_t)(end - p) >= dlen) {
		p = memchr(p, d[0], (size_t)(end - p) - dlen + 1);
		if (!p)
			return NULL;
		if (memcmp(p, d, dlen) == 0)
			return p;
		p++;
	}
	return NULL;
}

static unsigned count_nl(const char *a, const char *b)
{
	unsigned n = 0;

	for (; a < b; a++)
		n += *a == '\n';
	return n;
}

static struct tnode *node_add(struct tpl *tp, enum ntype type, unsigned line)
{
	struct tnode *nd;

	if (tp->n == tp->cap) {
		tp->cap = tp->cap ? tp->cap * 2 : 16;
		tp->nodes = xreallocarray(tp->nodes, tp->cap, sizeof(*nd));
	}
	nd = &tp->nodes[tp->n++];
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->line = line;
	return nd;
}

/* Quotes at most 60 bytes of the tag, and no newline, so that the error
 * stays one short line. */
static void tag_error(struct parser *ps, const struct tag *tg, const char *what)
{
	size_t len = (size_t)(tg->after - tg->start), show = 0;

	while (show < len && show < 60 && tg->start[show] != '\n')
		show++;
	err_printf(ps->err, "%s:%u: %s \"%.*s%s\"", ps->tpl->file, tg->line,
		   what, (int)show, tg->start, show < len ? "..." : "");
}

/* Finds the end of the tag opening at o and trims its content. */
static int tag_scan(struct parser *ps, const char *o, struct tag *tg)
{
	const char *q = o + 2, *close;
	const char *closer;
	size_t clen;

	tg->start = o;
	tg->sigil = 0;
	if (q < ps->end && *q && strchr("#^/>!{", *q)) {
		tg->sigil = *q;
		q++;
	}
	closer = tg->sigil == '{' ? "}}}" : "}}";
	clen = strlen(closer);
	close = find_delim(q, ps->end, closer, clen);
	if (!close) {
		err_printf(ps->err, "%s:%u: unclosed tag", ps->tpl->file,
			   tg->line);
		return -1;
	}
	tg->after = close + clen;
	while (q < close && (*q == ' ' || *q == '\t'))
		q++;
	while (close > q && (close[-1] == ' ' || close[-1] == '\t'))
		close--;
	tg->in = q;
	tg->inlen = (size_t)(close - q);
	return 0;
}

/* Mustache's standalone rule: a section, partial or comment tag alone on
 * its line takes the whole line with it, so block tags on their own lines
 * leave no blank lines behind.  Sets the text end and resume point. */
static void tag_standalone(const struct parser *ps, const struct tag *tg,
			   const char **text_end, const char **next)
{
	const char *a = tg->start, *b = tg->after;
	const char *src = ps->tpl->src;

	if (!tg->sigil || tg->sigil == '{')
		return;
	while (a > src && (a[-1] == ' ' || a[-1] == '\t'))
		a--;
	if (a > src && a[-1] != '\n')
		return;
	while (b < ps->end && (*b == ' ' || *b == '\t'))
		b++;
	if (b + 1 < ps->end && b[0] == '\r' && b[1] == '\n')
		b += 2;
	else if (b < ps->end && *b == '\n')
		b++;
	else if (b != ps->end)
		return;
	*text_end = a;
	*next = b;
}

static void text_add(struct parser *ps, const char *a, const char *b,
		     unsigned line)
{
	struct tnode *nd;

	if (a >= b)
		return;
	nd = node_add(ps->tpl, N_TEXT, line);
	nd->text = a;
	nd->len = (size_t)(b - a);
}

static int section_open(struct parser *ps, const struct tag *tg)
{
	struct tnode *nd;
	struct tname n;

	if (name_parse(tg->in, tg->inlen, &n) < 0) {
		tag_error(ps, tg, "bad section name in");
		return -1;
	}
	if (ps->nopen == TPL_MAX_NESTING) {
		free(n.parts);
		tag_error(ps, tg, "sections nested too deeply at");
		return -1;
	}
	nd = node_add(ps->tpl, tg->sigil == '#' ? N_SECTION : N_INVERTED,
		      tg->line);
	nd->name = n;
	ps->open[ps->nopen++] = ps->tpl->n - 1;
	return 0;
}

static int section_close(struct parser *ps, const struct tag *tg)
{
	struct tnode *top;

	if (!ps->nopen) {
		tag_error(ps, tg, "no open section for");
		return -1;
	}
	top = &ps->tpl->nodes[ps->open[ps->nopen - 1]];
	if (top->name.len != tg->inlen ||
	    memcmp(top->name.s, tg->in, tg->inlen) != 0) {
		err_printf(ps->err, "%s:%u: \"{{/%.*s}}\" does not close "
			   "\"{{%c%.*s}}\" opened on line %u", ps->tpl->file,
			   tg->line, (int)tg->inlen, tg->in,
			   top->type == N_SECTION ? '#' : '^',
			   (int)top->name.len, top->name.s, top->line);
		return -1;
	}
	top->end = ps->tpl->n;
	ps->nopen--;
	return 0;
}

static int partial_add(struct parser *ps, const struct tag *tg)
{
	struct tnode *nd;

	if (!file_name_ok(tg->in, tg->inlen)) {
		tag_error(ps, tg, "bad partial name in");
		return -1;
	}
	nd = node_add(ps->tpl, N_PARTIAL, tg->line);
	nd->name.s = tg->in;
	nd->name.len = tg->inlen;
	return 0;
}

static int var_add(struct parser *ps, const struct tag *tg)
{
	struct tnode *nd;
	struct tname n;

	if (name_parse(tg->in, tg->inlen, &n) < 0) {
		tag_error(ps, tg, "bad tag");
		return -1;
	}
	/* {{{x}}} is {{x}}: see emit_value */
	nd = node_add(ps->tpl, N_VAR, tg->line);
	nd->name = n;
	return 0;
}

static int tag_apply(struct parser *ps, const struct tag *tg)
{
	switch (tg->sigil) {
	case '!':
		return 0;
	case '#':
	case '^':
		return section_open(ps, tg);
	case '/':
		return section_close(ps, tg);
	case '>':
		return partial_add(ps, tg);
	default:
		return var_add(ps, tg);
	}
}

static int parse_tag(struct parser *ps, const char *o)
{
	struct tag tg;
	const char *text_end = o, *next;
	unsigned text_line = ps->line;

	tg.line = ps->line + count_nl(ps->p, o);
	if (tag_scan(ps, o, &tg) < 0)
		return -1;
	next = tg.after;
	tag_standalone(ps, &tg, &text_end, &next);
	text_add(ps, ps->p, text_end, text_line);
	ps->line = tg.line + count_nl(o, next);
	ps->p = next;
	return tag_apply(ps, &tg);
}

static int parse_all(struct parser *ps)
{
	const struct tnode *top;
	const char *o;

	while (ps->p < ps->end) {
		o = find_delim(ps->p, ps->end, "{{", 2);
		if (!o) {
			text_add(ps, ps->p, ps->end, ps->line);
			break;
		}
		if (parse_tag(ps, o) < 0)
			return -1;
	}
	if (ps->nopen) {
		top = &ps->tpl->nodes[ps->open[ps->nopen - 1]];
		err_printf(ps->err, "%s:%u: section \"%.*s\" is not closed",
			   ps->tpl->file, top->line, (int)top->name.len,
			   top->name.s);
		return -1;
	}
	return 0;
}

/* Parses src (taking ownership of name, file and src).  Returns NULL with
 * "FILE:LINE: message" in err. */
static struct tpl *tpl_parse(char *name, char *file, char *src, size_t len,
			     struct buf *err)
{
	struct tpl *tp = xcalloc(1, sizeof(*tp));
	struct parser ps;

	tp->name = name;
	tp->file = file;
	tp->src = src;
	tp->srclen = len;
	memset(&ps, 0, sizeof(ps));
	ps.tpl = tp;
	ps.p = src;
	ps.end = src + len;
	ps.line = 1;
	ps.err = err;
	if (parse_all(&ps) < 0) {
		tpl_free(tp);
		return NULL;
	}
	return tp;
}

/* ---- template sets ----------------------------------------------------- */

static int dir_check(const char *dir, struct buf *err)
{
	struct stat st;

	if (!dir)
		return 0;
	if (stat(dir, &st) < 0) {
		err_printf(err, "template folder \"%s\": %s", dir,
			   strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_printf(err, "template folder \"%s\": not a directory", dir);
		return -1;
	}
	return 0;
}

struct tset *tset_new(const char *override_dir, const char *default_dir,
		      struct buf *err)
{
	struct tset *t;

	if (dir_check(override_dir, err) < 0 || dir_check(default_dir, err) < 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->dirs[0] = override_dir ? xstrdup(override_dir) : NULL;
	t->dirs[1] = default_dir ? xstrdup(default_dir) : NULL;
	return t;
}

void tset_free(struct tset *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		tpl_free(t->tpls[i]);
	free(t->tpls);
	free(t->dirs[0]);
	free(t->dirs[1]);
	free(t);
}

static int read_fd(int fd, const char *path, struct buf *src, struct buf *err)
{
	struct stat st;
	ssize_t got;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_printf(err, "\"%s\": not a readable file", path);
		return -1;
	}
	if (st.st_size > TPL_MAX_FILE) {
		err_printf(err, "\"%s\": template larger than %d bytes", path,
			   TPL_MAX_FILE);
		return -1;
	}
	buf_grow(src, (size_t)st.st_size);
	for (;;) {
		buf_grow(src, 4096);
		got = read(fd, src->data + src->len, 4096);
		if (got == 0)
			return 0;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_printf(err, "cannot read \"%s\": %s", path,
				   strerror(errno));
			return -1;
		}
		if (src->len + (size_t)got > TPL_MAX_FILE) {
			err_printf(err, "\"%s\": template larger than %d bytes",
				   path, TPL_MAX_FILE);
			return -1;
		}
		src->len += (size_t)got;
		src->data[src->len] = '\0';
	}
}

/* Reads dir/name into src.  Returns 0, 1 when there is no such file (so
 * the next folder is tried), or -1 with a message in err. */
static int read_template(const char *dir, const char *name, struct buf *path,
			 struct buf *src, struct buf *err)
{
	struct stat st;
	int fd, rc;

	buf_reset(path);
	buf_printf(path, "%s/%s", dir, name);
	/* not blocking: a named pipe there must not hang a build */
	fd = open(path->data, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		/* a link to nowhere is a site template gone wrong, not none */
		if (errno == ENOENT && lstat(path->data, &st) < 0)
			return 1;
		err_printf(err, "cannot open \"%s\"%s: %s", path->data,
			   errno == ENOENT ? " (a link to nothing)" : "",
			   strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_printf(err, "\"%s\" is not a regular file", path->data);
		close(fd);
		return -1;
	}
	rc = read_fd(fd, path->data, src, err);
	close(fd);
	return rc;
}

/* Every template is markup but style sheets: a partial of any name
 * lands in a page. */
static int is_markup(const char *name)
{
	size_t n = strlen(name);

	return !(n > 4 && !strcmp(name + n - 4, ".css"));
}

/* Loads and parses a template that is not cached yet.  `where` prefixes
 * the not-found message ("FILE:LINE: " of the including tag, or ""). */
static struct tpl *tset_load(struct tset *t, const char *name,
			     const char *where, struct buf *err)
{
	struct buf path = BUF_INIT, src = BUF_INIT;
	struct tpl *tp;
	size_t len;
	int i, rc = 1;
	char *s;

	for (i = 0; i < 2 && rc == 1; i++)
		if (t->dirs[i])
			rc = read_template(t->dirs[i], name, &path, &src, err);
	if (rc != 0) {
		if (rc == 1)
			err_printf(err, "%sunknown template \"%s\"", where,
				   name);
		buf_release(&path);
		buf_release(&src);
		return NULL;
	}
	if (template_text_check(path.data, src.data, src.len, is_markup(name),
				err) < 0) {
		buf_release(&path);
		buf_release(&src);
		return NULL;
	}
	s = buf_detach(&src, &len);
	tp = tpl_parse(xstrdup(name), buf_detach(&path, NULL), s, len, err);
	if (!tp)
		return NULL;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->tpls = xreallocarray(t->tpls, t->cap, sizeof(*t->tpls));
	}
	t->tpls[t->n++] = tp;
	return tp;
}

/* Returns the parsed template `name`, from the cache when it is there.
 * A site has a few dozen templates at most, so a linear scan will do;
 * partial tags also remember what they resolved to. */
static struct tpl *tset_get(struct tset *t, const char *name,
			    const char *where, struct buf *err)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->tpls[i]->name, name) == 0)
			return t->tpls[i];
	if (!file_name_ok(name, strlen(name))) {
		err_printf(err, "%sbad template name \"%s\"", where, name);
		return NULL;
	}
	return tset_load(t, name, where, err);
}

/* ---- rendering --------------------------------------------------------- */

/* The section stack, innermost first, lives on the C stack. */
struct frame {
	const struct tval *val;
	const struct frame *up;
	size_t index, count;    /* position within a list; count 0 if none */
};

struct render {
	struct tset *set;       /* NULL for string templates */
	struct buf *out;
	struct buf *err;
	int depth;              /* partials currently being rendered */
};

/* Room for the value of -first, -last and -index. */
struct scratch {
	struct tval val;
	char num[24];
};

static int render_range(struct render *r, struct tpl *tp, size_t from,
			size_t to, const struct frame *f);

/* Length of a code point at s that a strict HTML or XML parser rejects
 * (C0 controls but tab, LF and CR; DEL; C1 controls; noncharacters),
 * else 0.  Such code points in mail become U+FFFD (a form feed, a
 * space). */
static size_t bad_codepoint(const unsigned char *s, size_t len)
{
	if (s[0] < 0x20)
		return s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 0 : 1;
	if (s[0] == 0x7f)
		return 1;
	if (s[0] == 0xc2 && len >= 2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (s[0] == 0xef && len >= 3 && ((s[1] == 0xb7 && s[2] >= 0x90 &&
	    s[2] <= 0xaf) || (s[1] == 0xbf && s[2] >= 0xbe)))
		return 3;
	if (s[0] >= 0xf0 && len >= 4 && (s[1] & 0x0f) == 0x0f &&
	    s[2] == 0xbf && s[3] >= 0xbe)
		return 4;
	return 0;
}

void html_escape(const char *s, size_t len, struct buf *out)
{
	size_t i, run = 0, bad;
	const char *rep;

	buf_grow(out, len);
	for (i = 0; i < len; i++) {
		bad = 0;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (((unsigned char)s[i] >= 0x20 &&
			     (unsigned char)s[i] < 0x7f) ||
			    !(bad = bad_codepoint((const unsigned char *)s + i,
						  len - i)))
				continue;
			/* a form feed (common in patches) is white space in
			 * HTML but not allowed in XML (the feeds) */
			rep = s[i] == '\f' ? " " : "\xef\xbf\xbd";
		}
		buf_add(out, s + run, i - run);
		buf_adds(out, rep);
		if (bad)
			i += bad - 1;
		run = i + 1;
	}
	buf_add(out, s + run, len - run);
}

static const struct tval *map_get(const struct tctx *c, const struct tpart *p)
{
	const struct tentry *e;

	if (!c)
		return NULL;
	e = ctx_find(c, p->s, p->len, p->hash);
	return e ? &e->val : NULL;
}

static const struct tval *lookup_special(const struct frame *f,
					 enum special sp, struct scratch *sc)
{
	if (sp == SP_DOT)
		return f->val;
	while (f && !f->count)
		f = f->up;
	if (!f)
		return NULL;
	if (sp == SP_INDEX) {
		snprintf(sc->num, sizeof(sc->num), "%zu", f->index + 1);
		sc->val.kind = TV_STR;
		sc->val.u.str.s = sc->num;
		sc->val.u.str.len = strlen(sc->num);
	} else {
		sc->val.kind = TV_BOOL;
		sc->val.u.b = sp == SP_FIRST ? f->index == 0 :
					       f->index + 1 == f->count;
	}
	return &sc->val;
}

/* The first part of a name is searched from the innermost section out;
 * the rest only inside what the first part found (as mustache does). */
static const struct tval *lookup(const struct frame *f, const struct tname *n,
				 struct scratch *sc)
{
	const struct tval *v = NULL;
	size_t i;

	if (n->special)
		return lookup_special(f, n->special, sc);
	for (; f && !v; f = f->up)
		if (f->val->kind == TV_MAP)
			v = map_get(f->val->u.map, &n->parts[0]);
	for (i = 1; v && i < n->nparts; i++)
		v = v->kind == TV_MAP ? map_get(v->u.map, &n->parts[i]) : NULL;
	return v;
}

static int truthy(const struct tval *v)
{
	if (!v)
		return 0;
	switch (v->kind) {
	case TV_BOOL:
		return v->u.b;
	case TV_STR:
	case TV_HTML:
		return v->u.str.len > 0;
	case TV_LIST:
		return v->u.list.n > 0;
	case TV_MAP:
		return 1;
	}
	return 0;
}

/* Only strings produce text.  What is printed raw is decided by the code
 * that set the value (tctx_set_html), never by the template: a site
 * template that writes {{{subject}}} still gets the subject escaped. */
static void emit_value(struct render *r, const struct tnode *nd,
		       const struct frame *f)
{
	struct scratch sc;
	const struct tval *v = lookup(f, &nd->name, &sc);

	if (!v)
		return;
	if (v->kind == TV_HTML)
		buf_add(r->out, v->u.str.s, v->u.str.len);
	else if (v->kind == TV_STR)
		html_escape(v->u.str.s, v->u.str.len, r->out);
}

static int render_section(struct render *r, struct tpl *tp, size_t i,
			  const struct frame *f)
{
	const struct tnode *nd = &tp->nodes[i];
	struct scratch sc;
	const struct tval *v = lookup(f, &nd->name, &sc);
	struct frame fr;
	size_t j;

	if (!truthy(v))
		return 0;
	if (v->kind == TV_BOOL)
		return render_range(r, tp, i + 1, nd->end, f);
	fr.up = f;
	fr.val = v;
	fr.index = fr.count = 0;
	if (v->kind != TV_LIST)
		return render_range(r, tp, i + 1, nd->end, &fr);
	fr.count = v->u.list.n;
	for (j = 0; j < v->u.list.n; j++) {
		fr.val = &v->u.list.items[j];
		fr.index = j;
		if (render_range(r, tp, i + 1, nd->end, &fr) < 0)
			return -1;
	}
	return 0;
}

static int partial_error(struct render *r, const struct tpl *tp,
			 const struct tnode *nd)
{
	err_printf(r->err, "%s:%u: %s \"%.*s\"", tp->file, nd->line,
		   r->set ? "partials nested deeper than 16 at" :
			    "no template set for partial",
		   (int)nd->name.len, nd->name.s);
	return -1;
}

/* Looks the partial up once; the node keeps the answer for later renders. */
static int partial_resolve(struct render *r, const struct tpl *tp,
			   struct tnode *nd)
{
	struct buf where = BUF_INIT;
	char *name = xstrndup(nd->name.s, nd->name.len);

	buf_printf(&where, "%s:%u: ", tp->file, nd->line);
	nd->partial = tset_get(r->set, name, where.data, r->err);
	free(name);
	buf_release(&where);
	return nd->partial ? 0 : -1;
}

static int render_partial(struct render *r, struct tpl *tp, struct tnode *nd,
			  const struct frame *f)
{
	int rc;

	if (!r->set || r->depth >= TPL_MAX_PARTIAL_DEPTH)
		return partial_error(r, tp, nd);
	if (!nd->partial && partial_resolve(r, tp, nd) < 0)
		return -1;
	r->depth++;
	rc = render_range(r, nd->partial, 0, nd->partial->n, f);
	r->depth--;
	return rc;
}

static int render_range(struct render *r, struct tpl *tp, size_t from,
			size_t to, const struct frame *f)
{
	struct scratch sc;
	struct tnode *nd;
	size_t i = from;
	int rc = 0;

	while (i < to && rc == 0) {
		nd = &tp->nodes[i];
		i = nd->type == N_SECTION || nd->type == N_INVERTED ?
			    nd->end : i + 1;
		switch (nd->type) {
		case N_TEXT:
			buf_add(r->out, nd->text, nd->len);
			break;
		case N_VAR:
			emit_value(r, nd, f);
			break;
		case N_SECTION:
			rc = render_section(r, tp, (size_t)(nd - tp->nodes), f);
			break;
		case N_INVERTED:
			if (!truthy(lookup(f, &nd->name, &sc)))
				rc = render_range(r, tp, (size_t)(nd - tp->nodes) + 1,
						  nd->end, f);
			break;
		case N_PARTIAL:
			rc = render_partial(r, tp, nd, f);
			break;
		}
	}
	return rc;
}

/* Renders tp, leaving out untouched when it fails. */
static int render_top(struct tset *set, struct tpl *tp, struct tctx *c,
		      struct buf *out, struct buf *err)
{
	struct tval root;
	struct frame top;
	struct render r;
	size_t mark = out->len;

	root.kind = TV_MAP;
	root.u.map = c;
	top.val = &root;
	top.up = NULL;
	top.index = top.count = 0;
	r.set = set;
	r.out = out;
	r.err = err;
	r.depth = 0;
	if (render_range(&r, tp, 0, tp->n, &top) == 0)
		return 0;
	buf_setlen(out, mark);
	return -1;
}

/* Loads tp's partials, and theirs, as rendering would. */
static int check_partials(struct tset *t, struct tpl *tp, int depth,
			  struct buf *err)
{
	struct render r = { .set = t, .err = err };
	size_t i;

	for (i = 0; i < tp->n; i++) {
		struct tnode *nd = &tp->nodes[i];

		if (nd->type != N_PARTIAL)
			continue;
		if (depth >= TPL_MAX_PARTIAL_DEPTH)
			return partial_error(&r, tp, nd);
		if (!nd->partial && partial_resolve(&r, tp, nd) < 0)
			return -1;
		if (check_partials(t, nd->partial, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

int tset_check(struct tset *t, const char *name, struct buf *err)
{
	struct tpl *tp = tset_get(t, name, "", err);

	return tp ? check_partials(t, tp, 0, err) : -1;
}

int tset_render(struct tset *t, const char *name, struct tctx *c,
		struct buf *out, struct buf *err)
{
	struct tpl *tp = tset_get(t, name, "", err);

	if (!tp)
		return -1;
	return render_top(t, tp, c, out, err);
}

int template_render_string(const char *tpl, struct tctx *c, struct buf *out,
			   struct buf *err)
{
	size_t len = strlen(tpl);
	struct tpl *tp;
	int rc;

	tp = tpl_parse(xstrdup(""), xstrdup(TPL_STRING_FILE),
		       xstrndup(tpl, len), len, err);
	if (!tp)
		return -1;
	rc = render_top(NULL, tp, c, out, err);
	tpl_free(tp);
	return rc;
}
