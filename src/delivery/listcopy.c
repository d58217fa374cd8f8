/* listcopy.c: the copy of a post that members receive: list header fields
 * replaced, subject tagged, footer added, everything else byte for byte as
 * received.  Also the raw header block helpers the list-copy files share.
 *
 * Choices: the new header fields go at the end of the header block, in the
 * order given; every Subject field is tagged (there should be one); a
 * message without a Subject gets "Subject: TAG" so that members can filter
 * on the tag. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "delivery/listcopy.h"
#include "core/util.h"

/* Length of the line at p (up to end), including its LF when present. */
static size_t line_len(const char *p, size_t max)
{
	const char *nl = memchr(p, '\n', max);

	return nl ? (size_t)(nl - p) + 1 : max;
}

static int line_is_empty(const char *p, size_t n)
{
	return n == 0 || p[0] == '\n' || (p[0] == '\r' && (n == 1 || p[1] == '\n'));
}

/* Length of the field name when the line starts a header field, else 0. */
static size_t field_name_len(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i;
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

static int is_continuation(const char *p, size_t n)
{
	return n > 0 && (p[0] == ' ' || p[0] == '\t');
}

int rawhdr_split(const char *msg, size_t len, size_t *fields_end,
		 size_t *body, const char **why)
{
	size_t pos = 0, n;

	if (len == 0) {
		*why = "empty message";
		return -1;
	}
	n = line_len(msg, len);
	if (line_is_empty(msg, n)) {
		*why = "no header block: the message starts with an empty line";
		return -1;
	}
	if (!field_name_len(msg, n)) {
		*why = "no header block: the first line is not a header field";
		return -1;
	}
	while (pos < len) {
		n = line_len(msg + pos, len - pos);
		if (line_is_empty(msg + pos, n)) {
			*fields_end = pos;
			*body = pos + n;
			return 0;
		}
		if (!field_name_len(msg + pos, n) &&
		    !is_continuation(msg + pos, n))
			break;
		pos += n;
	}
	*fields_end = pos;
	*body = pos;
	return 0;
}

int rawhdr_next(const char *msg, size_t fields_end, size_t *pos,
		struct rawhdr_field *f)
{
	size_t p = *pos, n;

	if (p >= fields_end)
		return 0;
	n = line_len(msg + p, fields_end - p);
	f->start = p;
	f->name_len = field_name_len(msg + p, n);
	/* rawhdr_split only lets fields and continuations in, and a
	 * continuation never starts a field after the first. */
	if (!f->name_len)
		die("rawhdr_next: no field at offset %zu", p);
	f->value = p + f->name_len + 1;
	p += n;
	while (p < fields_end && is_continuation(msg + p, fields_end - p))
		p += line_len(msg + p, fields_end - p);
	f->end = p;
	f->value_end = p;
	if (f->value_end > f->value && msg[f->value_end - 1] == '\n')
		f->value_end--;
	if (f->value_end > f->value && msg[f->value_end - 1] == '\r')
		f->value_end--;
	*pos = p;
	return 1;
}

int rawhdr_is(const char *msg, const struct rawhdr_field *f,
	      const char *name)
{
	return strlen(name) == f->name_len &&
	       ascii_ncasecmp(msg + f->start, name, f->name_len) == 0;
}

int rawhdr_find(const char *msg, size_t fields_end, const char *name,
		struct rawhdr_field *f)
{
	size_t pos = 0;

	while (rawhdr_next(msg, fields_end, &pos, f))
		if (rawhdr_is(msg, f, name))
			return 1;
	return 0;
}

void rawhdr_copy_line(const char *msg, size_t start, size_t end,
		      struct buf *out)
{
	buf_add(out, msg + start, end - start);
	if (end > start && msg[end - 1] != '\n')
		buf_add(out, "\r\n", 2);
}

void rawhdr_add_crlf(const char *text, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\r' || text[i] == '\n') {
			if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
				i++;
			buf_add(out, "\r\n", 2);
		} else {
			buf_addc(out, text[i]);
		}
	}
	if (len > 0 && text[len - 1] != '\n' && text[len - 1] != '\r')
		buf_add(out, "\r\n", 2);
}

/* The field names of the add_headers lines, to remove from the message. */
struct name_list {
	const char **name;
	size_t *len;
	size_t n;
};

static void names_collect(const char *lines, struct name_list *nl)
{
	const char *p = lines;

	nl->name = NULL;
	nl->len = NULL;
	nl->n = 0;
	while (p && *p) {
		size_t n = line_len(p, strlen(p));
		size_t name_len = field_name_len(p, n);

		if (name_len) {
			nl->name = xreallocarray(nl->name, nl->n + 1,
						 sizeof(*nl->name));
			nl->len = xreallocarray(nl->len, nl->n + 1,
						sizeof(*nl->len));
			nl->name[nl->n] = p;
			nl->len[nl->n++] = name_len;
		}
		p += n;
	}
}

static int names_has(const struct name_list *nl, const char *msg,
		     const struct rawhdr_field *f)
{
	size_t i;

	for (i = 0; i < nl->n; i++)
		if (nl->len[i] == f->name_len &&
		    ascii_ncasecmp(nl->name[i], msg + f->start, f->name_len) == 0)
			return 1;
	return 0;
}

/* Writes the tagged Subject field, or the field unchanged when tagging
 * leaves its value as it was. */
static void subject_write(const char *msg, const struct rawhdr_field *f,
			  const char *tag, struct buf *out)
{
	char *raw = xstrndup(msg + f->value, f->value_end - f->value);
	struct buf val = BUF_INIT;

	subject_tag_apply(raw, tag, &val);
	if (!strcmp(val.data, skip_ws(raw))) {
		rawhdr_copy_line(msg, f->start, f->end, out);
	} else {
		buf_add(out, msg + f->start, f->name_len);
		buf_adds(out, ": ");
		buf_add(out, val.data, val.len);
		buf_add(out, "\r\n", 2);
	}
	buf_release(&val);
	free(raw);
}

/* Writes the new header block: fields kept or tagged, then the new ones. */
static void headers_write(const char *msg, size_t fields_end,
			  const struct listcopy_opts *o, struct buf *out)
{
	struct name_list nl;
	struct rawhdr_field f;
	size_t pos = 0;
	int tag = o->subject_tag && *o->subject_tag, saw_subject = 0;

	names_collect(o->add_headers, &nl);
	while (rawhdr_next(msg, fields_end, &pos, &f)) {
		/* Return-Path is the final MTA's to add (RFC 5321 4.4); the
		 * poster's would sit beside the one members' servers add */
		if (names_has(&nl, msg, &f) || rawhdr_is(msg, &f, "Return-Path"))
			continue;
		if (tag && rawhdr_is(msg, &f, "Subject")) {
			saw_subject = 1;
			subject_write(msg, &f, o->subject_tag, out);
		} else {
			rawhdr_copy_line(msg, f.start, f.end, out);
		}
	}
	if (tag && !saw_subject)
		buf_printf(out, "Subject: %s\r\n", o->subject_tag);
	if (o->add_headers)
		rawhdr_add_crlf(o->add_headers, strlen(o->add_headers), out);
	free(nl.name);
	free(nl.len);
}

int listcopy_build(const char *msg, size_t len,
		   const struct listcopy_opts *o, struct buf *out,
		   struct buf *err)
{
	struct buf copy = BUF_INIT;
	size_t fields_end, body;
	const char *why;

	if (rawhdr_split(msg, len, &fields_end, &body, &why) < 0) {
		buf_adds(err, why);
		return -1;
	}
	if (!o->footer || !*o->footer) {
		headers_write(msg, fields_end, o, out);
		buf_add(out, msg + fields_end, len - fields_end);
		return 0;
	}
	headers_write(msg, fields_end, o, &copy);
	buf_add(&copy, msg + fields_end, len - fields_end);
	if (footer_add(copy.data, copy.len, o->footer, out) < 0) {
		/* Only when removing fields emptied the header block. */
		log_warn("listcopy: no footer added, reason=\"no header fields left\"");
		buf_add(out, copy.data, copy.len);
	}
	buf_release(&copy);
	return 0;
}
