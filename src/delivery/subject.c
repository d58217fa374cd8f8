/* subject.c: the list's subject tag, added exactly once.
 *
 * Canonical form: "TAG subject" for a new thread and "Re: TAG subject" for
 * a reply, which is what most mail programs produce anyway when they
 * answer "TAG subject", so such replies pass through byte for byte.  The
 * leading run of reply prefixes (Re, Aw, Sv, Antw, any case, also "Re[2]:"
 * and "Re :") and tags collapses into at most one "Re: " before the tag,
 * and the tag is removed wherever else it stands as a word
 * ("Fwd: TAG x" -> "TAG Fwd: x").  Other prefixes such as "Fwd:" are part
 * of the subject.  Applying the function to its own output changes
 * nothing.
 *
 * RFC 2047: the work is done on the decoded text, but when the prefixes
 * and tags are plain text in the raw value (the usual case), the output is
 * the new plain prefix followed by the rest of the raw value unchanged:
 * encoded words keep their bytes and the space that separates the tag from
 * the first encoded word is plain text, so it is kept (RFC 2047 section 6.2
 * drops only the white space between two encoded words).  Otherwise the
 * whole decoded result is encoded again. */
#include <string.h>

#include "delivery/listcopy.h"
#include "mail/decode.h"
#include "core/util.h"

static const char *const reply_words[] = { "re", "aw", "sv", "antw" };

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of a reply prefix ("Re:", "RE[2]:", "Aw :") at s, or 0. */
static size_t reply_prefix_len(const char *s, size_t len)
{
	size_t w, i, j;

	for (w = 0; w < ARRAY_SIZE(reply_words); w++) {
		i = strlen(reply_words[w]);
		if (len < i || ascii_ncasecmp(s, reply_words[w], i) != 0)
			continue;
		if (i < len && (s[i] == '[' || s[i] == '(')) {
			char close = s[i] == '[' ? ']' : ')';

			for (j = i + 1; j < len && s[j] >= '0' && s[j] <= '9'; j++)
				;
			if (j == i + 1 || j >= len || s[j] != close)
				continue;
			i = j + 1;
		}
		while (i < len && s[i] == ' ')
			i++;
		if (i < len && s[i] == ':')
			return i + 1;
	}
	return 0;
}

/* Skips the leading run of white space, reply prefixes and tags; returns
 * the offset of what follows and sets *reply when a prefix was seen. */
static size_t lead_skip(const char *s, size_t len, const char *tag,
			int *reply)
{
	size_t i = 0, n, taglen = strlen(tag);

	for (;;) {
		while (i < len && is_ws(s[i]))
			i++;
		if (len - i >= taglen && ascii_ncasecmp(s + i, tag, taglen) == 0) {
			i += taglen;
		} else if ((n = reply_prefix_len(s + i, len - i))) {
			*reply = 1;
			i += n;
		} else {
			return i;
		}
	}
}

/* Is there a tag standing as a word at s[i]? */
static int tag_word_at(const char *s, size_t len, size_t i, const char *tag)
{
	size_t taglen = strlen(tag);

	return (i == 0 || is_ws(s[i - 1])) && len - i >= taglen &&
	       ascii_ncasecmp(s + i, tag, taglen) == 0 &&
	       (i + taglen == len || is_ws(s[i + taglen]));
}

/* Appends s without the tag words, each with the white space after it
 * (or before it, at the end). */
static void tags_remove(const char *s, size_t len, const char *tag,
			struct buf *out)
{
	size_t i = 0, taglen = strlen(tag);

	while (i < len) {
		if (!tag_word_at(s, len, i, tag)) {
			buf_addc(out, s[i++]);
			continue;
		}
		i += taglen;
		if (i == len)
			buf_rtrim(out);
		while (i < len && is_ws(s[i]))
			i++;
	}
}

/* Does the decoded text need more than a prefix: a leading reply prefix
 * or tag, or a tag word further on? */
static int needs_work(const char *s, size_t len, const char *tag)
{
	size_t i = 0, ws = 0;
	int reply = 0;

	while (ws < len && is_ws(s[ws]))
		ws++;
	if (lead_skip(s, len, tag, &reply) != ws)
		return 1;
	for (i = ws; i < len; i++)
		if (tag_word_at(s, len, i, tag))
			return 1;
	return 0;
}

/* The canonical form of a decoded subject, appended to out. */
static void subject_canon(const char *s, size_t len, const char *tag,
			  struct buf *out)
{
	int reply = 0;
	size_t i = lead_skip(s, len, tag, &reply);
	struct buf rest = BUF_INIT;

	tags_remove(s + i, len - i, tag, &rest);
	if (reply)
		buf_adds(out, "Re: ");
	buf_adds(out, tag);
	if (rest.len) {
		buf_addc(out, ' ');
		buf_add(out, rest.data, rest.len);
	}
	buf_release(&rest);
}

static int ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

/* Decodes a raw value for comparison: unfolded (RFC 5322 section 2.2.3:
 * line ends removed, the white space after them kept), then RFC 2047. */
static void subject_decode(const char *raw, size_t len, struct buf *out)
{
	struct buf unfolded = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			buf_addc(&unfolded, raw[i]);
	header_decode(unfolded.data, unfolded.len, out);
	buf_release(&unfolded);
}

/* The usual case: prefixes and tags in plain text, the rest kept raw.
 * Returns 0 when that is not possible. */
static int splice_plain(const char *raw, size_t len, const char *tag,
			struct buf *out)
{
	struct buf rest = BUF_INIT;
	int reply = 0, ok;
	size_t i = lead_skip(raw, len, tag, &reply);

	subject_decode(raw + i, len - i, &rest);
	ok = !needs_work(rest.data, rest.len, tag);
	buf_release(&rest);
	if (!ok)
		return 0;
	if (reply)
		buf_adds(out, "Re: ");
	buf_adds(out, tag);
	if (i < len) {
		buf_addc(out, ' ');
		buf_add(out, raw + i, len - i);
	}
	return 1;
}

/* Everything decoded, made canonical and encoded again. */
static void encode_all(const char *raw, size_t len, const char *tag,
		       struct buf *out)
{
	struct buf dec = BUF_INIT, canon = BUF_INIT;

	subject_decode(raw, len, &dec);
	subject_canon(dec.data, dec.len, tag, &canon);
	header_encode(canon.data, canon.len, strlen("Subject"), out);
	buf_release(&dec);
	buf_release(&canon);
}

static int same_meaning(const char *a, size_t alen, const char *b,
			size_t blen)
{
	struct buf da = BUF_INIT, db = BUF_INIT;
	int same;

	subject_decode(a, alen, &da);
	subject_decode(b, blen, &db);
	same = da.len == db.len && !memcmp(da.data, db.data, da.len);
	buf_release(&da);
	buf_release(&db);
	return same;
}

void subject_tag_apply(const char *raw_subject, const char *tag,
		       struct buf *out)
{
	struct buf cand = BUF_INIT;
	const char *raw = raw_subject;
	size_t len;

	while (is_ws(*raw))
		raw++;
	len = strlen(raw);
	if (!tag || !*tag) {
		buf_add(out, raw, len);
		return;
	}
	if (!ascii_only(tag) || !splice_plain(raw, len, tag, &cand))
		encode_all(raw, len, tag, &cand);
	/* A subject already in canonical form keeps its bytes. */
	if (same_meaning(raw, len, cand.data, cand.len))
		buf_add(out, raw, len);
	else
		buf_add(out, cand.data, cand.len);
	buf_release(&cand);
}
