/* decode_header.c: header text both ways: RFC 2047 encoded words (decoding
 * leniently, encoding strictly) and RFC 2231 parameter values, which
 * libetpan does not decode. */
#include <string.h>

#include "core/buf.h"
#include "mail/decode.h"
#include "core/util.h"

#define EWORD_MAX 75          /* RFC 2047 section 2 */
#define LINE_MAX_ENC 76       /* folded header lines we write */
#define CHARSET_LABEL_MAX 64
#define PARAM_SECTIONS_MAX 64 /* RFC 2231 continuations we accept */

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- RFC 2047 decoding ---- */

struct eword {
	const char *charset;
	size_t cslen;
	char enc; /* 'B' or 'Q' */
	const char *text;
	size_t tlen;
	size_t len; /* the whole "=?charset?e?text?=" */
};

/* Base64 text a word may carry: alphabet, padding and stray blanks. */
static int b64_text_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '=' || is_wsp(c)))
			return 0;
	}
	return 1;
}

static int has_pair(const char *s, size_t n, char a, char b)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == a && s[i + 1] == b)
			return 1;
	return 0;
}

/* Recognises an encoded word at s.  Leniency where real mail needs it:
 * blanks inside the text and words not set off by white space are
 * accepted; a word that is not well formed stays visible as it is. */
static int eword_parse(const char *s, size_t len, struct eword *w)
{
	size_t i = 2, t;
	const char *star;

	if (len < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	while (i < len && s[i] != '?' && (unsigned char)s[i] > ' ' &&
	       i - 2 < CHARSET_LABEL_MAX)
		i++;
	if (i == 2 || i + 3 >= len || s[i] != '?' || s[i + 2] != '?')
		return 0;
	w->charset = s + 2;
	w->cslen = i - 2;
	/* "charset*language" (RFC 2231 section 5): the language goes. */
	if ((star = memchr(w->charset, '*', w->cslen)) != NULL)
		w->cslen = (size_t)(star - w->charset);
	w->enc = (char)(s[i + 1] & ~0x20);
	if (w->enc != 'B' && w->enc != 'Q')
		return 0;
	t = i + 3;
	w->text = s + t;
	for (i = t; i + 1 < len && !(s[i] == '?' && s[i + 1] == '='); i++)
		;
	if (i + 1 >= len)
		return 0;
	w->tlen = i - t;
	w->len = i + 2;
	/* Another word's start inside means this one was never closed. */
	if (has_pair(w->text, w->tlen, '=', '?'))
		return 0;
	return w->enc == 'Q' || b64_text_ok(w->text, w->tlen);
}

/* RFC 2047 section 4.2: like quoted-printable, with '_' for a space. */
static void q_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		if (s[i] == '_') {
			buf_addc(out, ' ');
		} else if (s[i] == '=' && (v = hex_pair(s + i + 1, n - i - 1)) >= 0) {
			buf_addc(out, (char)v);
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

/* Decoded bytes of adjacent words in one charset, converted together so
 * that a character split across two words (as some mailers do) survives. */
struct pending {
	char charset[CHARSET_LABEL_MAX + 1];
	struct buf bytes;
	int active;
};

static void pending_flush(struct pending *p, struct buf *out)
{
	if (!p->active)
		return;
	charset_to_utf8(p->charset, p->bytes.data, p->bytes.len, out);
	buf_reset(&p->bytes);
	p->active = 0;
}

static void pending_add(struct pending *p, const struct eword *w,
			struct buf *out)
{
	if (p->active && (strlen(p->charset) != w->cslen ||
			  ascii_ncasecmp(p->charset, w->charset, w->cslen)))
		pending_flush(p, out);
	memcpy(p->charset, w->charset, w->cslen);
	p->charset[w->cslen] = '\0';
	p->active = 1;
	if (w->enc == 'B')
		base64_decode(w->text, w->tlen, &p->bytes);
	else
		q_decode(w->text, w->tlen, &p->bytes);
}

static int all_wsp(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_wsp(s[i]))
			return 0;
	return 1;
}

/* RFC 5322 section 2.2.3: a line break followed by a blank is folding and
 * goes; any other CR or LF (bare ones included) reads as one space. */
static void unfold(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, j;

	buf_grow(out, n);
	while (i < n) {
		if (s[i] != '\r' && s[i] != '\n') {
			buf_addc(out, s[i++]);
			continue;
		}
		for (j = i; j < n && (s[j] == '\r' || s[j] == '\n'); j++)
			;
		if (j == n || !is_wsp(s[j]))
			buf_addc(out, ' ');
		i = j;
	}
}

/* Decoded text must not smuggle line breaks or other controls into
 * whatever shows or re-writes it. */
static void controls_to_space(struct buf *out, size_t from)
{
	size_t i;

	for (i = from; i < out->len; i++)
		if ((unsigned char)out->data[i] < 0x20 || out->data[i] == 0x7F)
			out->data[i] = ' ';
}

void header_decode(const char *raw, size_t len, struct buf *out)
{
	struct buf s = BUF_INIT;
	struct pending p = { "", BUF_INIT, 0 };
	struct eword w;
	size_t i = 0, plain = 0, from = out->len;

	unfold(raw, len, &s);
	while (i < s.len) {
		if (s.data[i] != '=' || !eword_parse(s.data + i, s.len - i, &w)) {
			i++;
			continue;
		}
		/* White space between two encoded words is dropped (RFC 2047
		 * section 6.2); any other text ends the run of words. */
		if (i > plain && !(p.active && all_wsp(s.data + plain, i - plain))) {
			pending_flush(&p, out);
			charset_to_utf8(NULL, s.data + plain, i - plain, out);
		}
		pending_add(&p, &w, out);
		i += w.len;
		plain = i;
	}
	pending_flush(&p, out);
	charset_to_utf8(NULL, s.data + plain, s.len - plain, out);
	controls_to_space(out, from);
	buf_release(&p.bytes);
	buf_release(&s);
}

/* ---- RFC 2047 encoding ---- */

/* Characters a Q word may carry as they are (RFC 2047 section 5 (3)). */
static int q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	       c == '-' || c == '/' || c == ' ';
}

/* Must this word be encoded?  8-bit, control characters, and ASCII that a
 * reader would take for an encoded word. */
static int needs_encoding(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x7F || (unsigned char)s[i] < 0x20)
			return 1;
	return has_pair(s, n, '=', '?');
}

/* The header being written: where on its line we are. */
struct hw {
	struct buf *out;
	size_t col;
	int started; /* we wrote something: folding is possible */
};

/* Writes separator and token, folding first when they would pass the line
 * length and the line holds something already.  Folding puts CRLF before
 * the separator, which keeps the meaning (RFC 5322 section 2.2.3). */
static void hw_put(struct hw *w, const char *sep, size_t seplen,
		   const char *tok, size_t toklen)
{
	if (w->col + seplen + toklen > LINE_MAX_ENC && w->started) {
		buf_adds(w->out, "\r\n");
		w->col = 0;
		if (seplen == 0) {
			sep = " ";
			seplen = 1;
		}
	}
	buf_add(w->out, sep, seplen);
	buf_add(w->out, tok, toklen);
	w->col += seplen + toklen;
	w->started = 1;
}

/* How many bytes of s, in whole UTF-8 characters, fit in an encoded text
 * of at most `room` characters. */
static size_t chunk_len(const char *s, size_t n, int b, size_t room)
{
	size_t i = 0, cost = 0, k, c, seq;

	while (i < n) {
		seq = utf8_seqlen(s + i, n - i);
		if (seq == 0)
			seq = 1; /* cannot happen on sanitized input */
		if (b) {
			c = (i + seq + 2) / 3 * 4;
			if (c > room)
				break;
		} else {
			for (c = 0, k = 0; k < seq; k++)
				c += q_safe((unsigned char)s[i + k]) ? 1 : 3;
			if (cost + c > room)
				break;
			cost += c;
		}
		i += seq;
	}
	return i;
}

static void eword_make(const char *s, size_t n, int b, struct buf *tok)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	buf_reset(tok);
	buf_adds(tok, b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (b)
		base64_encode_line(s, n, tok);
	for (i = 0; !b && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			buf_addc(tok, '_');
		else if (q_safe(c))
			buf_addc(tok, (char)c);
		else {
			buf_addc(tok, '=');
			buf_addc(tok, hex[c >> 4]);
			buf_addc(tok, hex[c & 15]);
		}
	}
	buf_adds(tok, "?=");
}

/* Q when most of the text is ASCII (readable in raw form), else B. */
static int prefer_b(const char *s, size_t n)
{
	size_t i, q = 0;

	for (i = 0; i < n; i++)
		q += q_safe((unsigned char)s[i]) ? 1 : 3;
	return q > (n + 2) / 3 * 4;
}

/* Writes text as encoded words of at most 75 characters, the first sized
 * to what is left of the current line when that is worth using. */
static void hw_encoded(struct hw *w, const char *sep, size_t seplen,
		       const char *s, size_t n)
{
	const size_t frame = 12; /* "=?UTF-8?Q?" and "?=" */
	const size_t full = EWORD_MAX - frame, least = 16;
	struct buf tok = BUF_INIT;
	int b = prefer_b(s, n);
	size_t i = 0, take, room, used;

	while (i < n) {
		used = w->col + seplen + frame;
		room = full;
		if (used + least <= LINE_MAX_ENC && LINE_MAX_ENC - used < full)
			room = LINE_MAX_ENC - used;
		take = chunk_len(s + i, n - i, b, room);
		if (take == 0)
			take = chunk_len(s + i, n - i, b, EWORD_MAX - frame);
		if (take == 0)
			take = 1; /* never stall */
		eword_make(s + i, take, b, &tok);
		hw_put(w, sep, seplen, tok.data, tok.len);
		sep = " ";
		seplen = 1;
		i += take;
	}
	buf_release(&tok);
}

static int is_plain_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] >= 0x7F || (unsigned char)s[i] < 0x20) &&
		    s[i] != '\t')
			return 0;
	return !has_pair(s, n, '=', '?');
}

/* Finds the next word: the blanks before it [*sep, *word) and the word
 * itself [*word, return value). */
static size_t next_word(const char *s, size_t n, size_t i, size_t *word)
{
	while (i < n && is_wsp(s[i]))
		i++;
	*word = i;
	while (i < n && !is_wsp(s[i]))
		i++;
	return i;
}

void header_encode(const char *utf8, size_t len, size_t name_len,
		   struct buf *out)
{
	struct buf s = BUF_INIT;
	struct hw w = { out, name_len + 2, 0 };
	size_t i = 0, word, end, run_end, run_word;

	if (is_plain_ascii(utf8, len)) {
		buf_add(out, utf8, len);
		return;
	}
	utf8_sanitize(utf8, len, &s);
	while (i < s.len) {
		end = next_word(s.data, s.len, i, &word);
		if (word == end) { /* trailing blanks */
			buf_add(out, s.data + i, end - i);
			break;
		}
		if (!needs_encoding(s.data + word, end - word)) {
			hw_put(&w, s.data + i, word - i, s.data + word, end - word);
			i = end;
			continue;
		}
		/* Adjacent words that need encoding become one run, with the
		 * blanks between them inside the encoded text: blanks between
		 * encoded words are not shown (RFC 2047 section 6.2). */
		run_end = end;
		while (run_end < s.len) {
			size_t e = next_word(s.data, s.len, run_end, &run_word);

			if (run_word == e || !needs_encoding(s.data + run_word,
							     e - run_word))
				break;
			run_end = e;
		}
		hw_encoded(&w, s.data + i, word - i, s.data + word,
			   run_end - word);
		i = run_end;
	}
	buf_release(&s);
}

/* ---- RFC 2231 parameters ---- */

/* One parameter as written: attribute and value (unquoted). */
struct rawparam {
	const char *attr;
	size_t alen;
	struct buf value;
};

/* Reads a quoted string starting after its opening quote; backslash
 * escapes are undone.  Returns the index after the closing quote (or the
 * end, for an unterminated one). */
static size_t read_quoted(const char *s, size_t n, size_t i, struct buf *v)
{
	for (; i < n && s[i] != '"'; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		if (s[i] != '\r' && s[i] != '\n')
			buf_addc(v, s[i]);
	}
	return i < n ? i + 1 : n;
}

/* Reads an unquoted value up to ';'.  Broken mailers leave blanks in
 * unquoted file names, so they are kept; a trailing comment goes. */
static size_t read_token(const char *s, size_t n, size_t i, struct buf *v)
{
	size_t start = i, end, paren;

	while (i < n && s[i] != ';')
		i++;
	end = i;
	while (end > start && (is_wsp(s[end - 1]) || s[end - 1] == '\r' ||
			       s[end - 1] == '\n'))
		end--;
	if (end > start && s[end - 1] == ')') {
		for (paren = end; paren > start && s[paren - 1] != '('; paren--)
			;
		if (paren > start)
			end = paren - 1;
		while (end > start && is_wsp(s[end - 1]))
			end--;
	}
	buf_add(v, s + start, end - start);
	return i;
}

/* Splits "type; a=1; b="2"" into parameters one at a time: returns the
 * index after the next parameter, with p filled (p->alen is 0 for a
 * segment with no '=', such as the type itself). */
static size_t param_next(const char *s, size_t n, size_t i,
			 struct rawparam *p)
{
	size_t a, eq;

	buf_reset(&p->value);
	p->alen = 0;
	while (i < n && (s[i] == ';' || is_wsp(s[i]) || s[i] == '\r' ||
			 s[i] == '\n'))
		i++;
	for (eq = i; eq < n && s[eq] != '=' && s[eq] != ';' && s[eq] != '"'; eq++)
		;
	if (eq >= n || s[eq] != '=') {
		while (eq < n && s[eq] != ';') /* skip a quoted segment too */
			eq = s[eq] == '"' ? read_quoted(s, n, eq + 1, &p->value) : eq + 1;
		buf_reset(&p->value);
		return eq;
	}
	/* The attribute is the last word before '=': "text/plain charset=x"
	 * without its ';' still yields charset. */
	for (a = eq; a > i && is_wsp(s[a - 1]); a--)
		;
	p->alen = a;
	while (a > i && !is_wsp(s[a - 1]) && s[a - 1] != '\n')
		a--;
	p->attr = s + a;
	p->alen -= a;
	for (i = eq + 1; i < n && (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n'); i++)
		;
	if (i < n && s[i] == '"')
		return read_quoted(s, n, i + 1, &p->value);
	return read_token(s, n, i, &p->value);
}

/* What one parameter name collects: the plain value, the extended one
 * ("name*=") and the continuation sections ("name*0", "name*1*"...). */
struct param_parts {
	struct buf plain, ext;
	int have_plain, have_ext;
	struct buf sec[PARAM_SECTIONS_MAX];
	unsigned char sec_have[PARAM_SECTIONS_MAX], sec_ext[PARAM_SECTIONS_MAX];
	int nsec;
};

/* Files p under pp when its attribute is `name` in any RFC 2231 form. */
static void param_collect(const struct rawparam *p, const char *name,
			  struct param_parts *pp)
{
	size_t nl = strlen(name), k;
	const char *a = p->attr;
	unsigned long sec = 0;

	if (p->alen < nl || ascii_ncasecmp(a, name, nl))
		return;
	if (p->alen == nl) {
		if (!pp->have_plain++)
			buf_add(&pp->plain, p->value.data, p->value.len);
		return;
	}
	if (a[nl] != '*')
		return;
	if (p->alen == nl + 1) {
		if (!pp->have_ext++)
			buf_add(&pp->ext, p->value.data, p->value.len);
		return;
	}
	for (k = nl + 1; k < p->alen && a[k] >= '0' && a[k] <= '9' && k < nl + 4; k++)
		sec = sec * 10 + (unsigned long)(a[k] - '0');
	if (k == nl + 1 || sec >= PARAM_SECTIONS_MAX ||
	    !(k == p->alen || (k + 1 == p->alen && a[k] == '*')))
		return;
	if (pp->sec_have[sec])
		return; /* the first of duplicates wins */
	pp->sec_have[sec] = 1;
	pp->sec_ext[sec] = k < p->alen;
	buf_add(&pp->sec[sec], p->value.data, p->value.len);
	if ((int)sec + 1 > pp->nsec)
		pp->nsec = (int)sec + 1;
}

/* Undoes %XX escapes; a '%' not followed by two hex digits stays. */
static void pct_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && (v = hex_pair(s + i + 1, n - i - 1)) >= 0) {
			buf_addc(out, (char)v);
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

/* Splits "charset'language'text": returns the offset of the text and
 * copies the charset, or returns 0 when the quotes are missing. */
static size_t ext_split(const char *s, size_t n, char *charset, size_t cap)
{
	const char *q1 = memchr(s, '\'', n), *q2;
	size_t cl;

	charset[0] = '\0';
	if (!q1 || !(q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 - s) - 1)))
		return 0;
	cl = (size_t)(q1 - s);
	if (cl < cap) {
		memcpy(charset, s, cl);
		charset[cl] = '\0';
	}
	return (size_t)(q2 - s) + 1;
}

/* Bytes in a declared charset to UTF-8; without one, the value may hold
 * RFC 2047 words or raw 8-bit text, which header_decode reads. */
static void param_text(const char *charset, const struct buf *bytes,
		       struct buf *out)
{
	size_t from = out->len;

	if (charset[0])
		charset_to_utf8(charset, bytes->data, bytes->len, out);
	else
		header_decode(bytes->data, bytes->len, out);
	controls_to_space(out, from);
}

static void param_sections(struct param_parts *pp, struct buf *out)
{
	char charset[CHARSET_LABEL_MAX + 1] = "";
	struct buf bytes = BUF_INIT;
	size_t off;
	int i;

	for (i = 0; i < pp->nsec; i++) {
		const struct buf *v = &pp->sec[i];

		if (!pp->sec_have[i])
			continue; /* lenient: a missing section is skipped */
		off = 0;
		if (i == 0 && pp->sec_ext[0])
			off = ext_split(v->data, v->len, charset, sizeof(charset));
		if (pp->sec_ext[i])
			pct_decode(v->data + off, v->len - off, &bytes);
		else
			buf_add(&bytes, v->data, v->len);
	}
	param_text(charset, &bytes, out);
	buf_release(&bytes);
}

static void param_extended(const struct buf *v, struct buf *out)
{
	char charset[CHARSET_LABEL_MAX + 1];
	struct buf bytes = BUF_INIT;
	size_t off = ext_split(v->data, v->len, charset, sizeof(charset));

	pct_decode(v->data + off, v->len - off, &bytes);
	param_text(charset, &bytes, out);
	buf_release(&bytes);
}

static void parts_release(struct param_parts *pp)
{
	int i;

	buf_release(&pp->plain);
	buf_release(&pp->ext);
	for (i = 0; i < PARAM_SECTIONS_MAX; i++)
		buf_release(&pp->sec[i]);
}

int mime_param_get(const char *value, const char *name, struct buf *out)
{
	struct param_parts pp;
	struct rawparam p = { NULL, 0, BUF_INIT };
	size_t n = strlen(value), i = 0;
	int k, found = 0;

	memset(&pp, 0, sizeof(pp));
	buf_init(&pp.plain);
	buf_init(&pp.ext);
	for (k = 0; k < PARAM_SECTIONS_MAX; k++)
		buf_init(&pp.sec[k]);
	while (i < n) {
		i = param_next(value, n, i, &p);
		if (p.alen)
			param_collect(&p, name, &pp);
	}
	/* RFC 2231 forms win over a plain value given alongside for old
	 * readers. */
	if (pp.nsec > 0) {
		param_sections(&pp, out);
		found = 1;
	} else if (pp.have_ext) {
		param_extended(&pp.ext, out);
		found = 1;
	} else if (pp.have_plain) {
		param_text("", &pp.plain, out);
		found = 1;
	}
	buf_release(&p.value);
	parts_release(&pp);
	return found ? 0 : -1;
}
