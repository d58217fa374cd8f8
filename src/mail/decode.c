/* decode.c: text in any declared charset to valid UTF-8 (iconv), UTF-8
 * checks, and quoted-printable and base64 both ways.  Encoded words and
 * MIME parameters are in decode_header.c. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "mail/decode.h"
#include "core/util.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/* ---- UTF-8 ---- */

size_t utf8_seqlen(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	/* RFC 3629 section 4: the second byte's range excludes overlongs,
	 * surrogates and values past U+10FFFF. */
	n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

int utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seqlen(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

void utf8_put(struct buf *out, unsigned long cp)
{
	char b[4];

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		buf_add(out, REPLACEMENT, 3);
		return;
	}
	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(out, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(out, b, 4);
	}
}

size_t utf8_sanitize(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, start, n, bad = 0;

	while (i < len) {
		start = i;
		while (i < len && in[i] != '\0' &&
		       (n = utf8_seqlen(in + i, len - i)) > 0)
			i += n;
		buf_add(out, in + start, i - start);
		if (i >= len)
			break;
		if (in[i] != '\0') {
			buf_add(out, REPLACEMENT, 3);
			bad++;
		}
		i++; /* one byte per U+FFFD, then resynchronise */
	}
	return bad;
}

/* windows-1252's C1 range (0x80-0x9F); the five unassigned bytes read as
 * U+FFFD.  0xA0-0xFF are the Latin-1 code points themselves. */
static const unsigned short cp1252_c1[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void cp1252_byte(struct buf *out, unsigned char c)
{
	if (c < 0x80)
		buf_addc(out, (char)c);
	else if (c < 0xA0)
		utf8_put(out, cp1252_c1[c - 0x80]);
	else
		utf8_put(out, c);
}

/* Unlabelled or unknown 8-bit text.  Valid UTF-8 is nearly never produced
 * by accident, so every valid UTF-8 sequence is taken as UTF-8 and every
 * other byte as windows-1252, the most common legacy charset: text
 * pasted together from both (as raw headers often are) reads right. */
static void degrade(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, start, n;

	buf_grow(out, len);
	while (i < len) {
		start = i;
		while (i < len && in[i] != '\0' &&
		       (n = utf8_seqlen(in + i, len - i)) > 0)
			i += n;
		buf_add(out, in + start, i - start);
		if (i < len && in[i] != '\0')
			cp1252_byte(out, (unsigned char)in[i]);
		i++;
	}
}

static int all_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Could this be UTF-7 from an encoder (RFC 2152)?  7-bit only, and each
 * '+' opens "+-" or a run of base64. */
static int utf7_plausible(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 0;
		if (s[i] != '+')
			continue;
		if (i + 1 == len || (s[i + 1] != '-' && !b64_char(s[i + 1])))
			return 0;
		i++;
	}
	return 1;
}

/* ---- charset names ---- */

enum cs_kind { CS_UTF8, CS_ASCII, CS_UNKNOWN, CS_ICONV };

struct cs_alias {
	const char *name; /* lowercase, '_' and ' ' written as '-' */
	enum cs_kind kind;
	const char *iconv; /* for CS_ICONV */
};

/* Labels as mail really carries them, mapped to what decodes them best.
 * Where a wider charset is a strict superset in practice (GB18030 for
 * GB2312/GBK, CP932 for Shift_JIS, CP949 for EUC-KR, windows-1252 for
 * Latin-1) we decode with the wider one, as browsers and MUAs do: mail
 * labelled with the narrow name routinely uses the extensions. */
static const struct cs_alias cs_aliases[] = {
	{ "utf-8", CS_UTF8, NULL },
	{ "utf8", CS_UTF8, NULL },
	{ "x-utf-8", CS_UTF8, NULL },
	{ "unicode-1-1-utf-8", CS_UTF8, NULL },
	{ "us-ascii", CS_ASCII, NULL },
	{ "ascii", CS_ASCII, NULL },
	{ "us", CS_ASCII, NULL },
	{ "ansi-x3.4-1968", CS_ASCII, NULL },
	{ "ansi-x3.4-1986", CS_ASCII, NULL },
	{ "iso646-us", CS_ASCII, NULL },
	{ "csascii", CS_ASCII, NULL },
	{ "cp367", CS_ASCII, NULL },
	{ "7bit", CS_ASCII, NULL },
	{ "x-unknown", CS_UNKNOWN, NULL },
	{ "unknown", CS_UNKNOWN, NULL },
	{ "unknown-8bit", CS_UNKNOWN, NULL },
	{ "x-unknown-8bit", CS_UNKNOWN, NULL },
	{ "x-user-defined", CS_UNKNOWN, NULL },
	{ "8bit", CS_UNKNOWN, NULL },
	{ "default", CS_UNKNOWN, NULL },
	{ "iso-8859-1", CS_ICONV, "WINDOWS-1252" },
	{ "iso8859-1", CS_ICONV, "WINDOWS-1252" },
	{ "latin1", CS_ICONV, "WINDOWS-1252" },
	{ "latin-1", CS_ICONV, "WINDOWS-1252" },
	{ "l1", CS_ICONV, "WINDOWS-1252" },
	{ "cp819", CS_ICONV, "WINDOWS-1252" },
	{ "iso-ir-100", CS_ICONV, "WINDOWS-1252" },
	{ "iso-8859-1:1987", CS_ICONV, "WINDOWS-1252" },
	{ "csisolatin1", CS_ICONV, "WINDOWS-1252" },
	{ "iso-8859-9", CS_ICONV, "WINDOWS-1254" },
	{ "latin5", CS_ICONV, "WINDOWS-1254" },
	{ "iso-8859-11", CS_ICONV, "CP874" },
	{ "tis-620", CS_ICONV, "CP874" },
	{ "tis620", CS_ICONV, "CP874" },
	{ "windows-874", CS_ICONV, "CP874" },
	{ "iso-8859-8-i", CS_ICONV, "ISO-8859-8" },
	{ "iso-8859-8-e", CS_ICONV, "ISO-8859-8" },
	{ "gb2312", CS_ICONV, "GB18030" },
	{ "csgb2312", CS_ICONV, "GB18030" },
	{ "gb-2312-80", CS_ICONV, "GB18030" },
	{ "gbk", CS_ICONV, "GB18030" },
	{ "x-gbk", CS_ICONV, "GB18030" },
	{ "cp936", CS_ICONV, "GB18030" },
	{ "ms936", CS_ICONV, "GB18030" },
	{ "windows-936", CS_ICONV, "GB18030" },
	{ "euc-cn", CS_ICONV, "GB18030" },
	{ "x-euc-cn", CS_ICONV, "GB18030" },
	{ "chinese", CS_ICONV, "GB18030" },
	{ "big5", CS_ICONV, "CP950" },
	{ "x-big5", CS_ICONV, "CP950" },
	{ "big-5", CS_ICONV, "CP950" },
	{ "cn-big5", CS_ICONV, "CP950" },
	{ "csbig5", CS_ICONV, "CP950" },
	{ "shift-jis", CS_ICONV, "CP932" },
	{ "shiftjis", CS_ICONV, "CP932" },
	{ "sjis", CS_ICONV, "CP932" },
	{ "x-sjis", CS_ICONV, "CP932" },
	{ "ms-kanji", CS_ICONV, "CP932" },
	{ "csshiftjis", CS_ICONV, "CP932" },
	{ "windows-31j", CS_ICONV, "CP932" },
	{ "x-ms-cp932", CS_ICONV, "CP932" },
	{ "ms932", CS_ICONV, "CP932" },
	{ "x-euc-jp", CS_ICONV, "EUC-JP" },
	{ "eucjp", CS_ICONV, "EUC-JP" },
	/* glibc's ISO-2022-JP-2 also reads the JIS X 0201 katakana and JIS
	 * X 0212 escapes that real ISO-2022-JP mail contains. */
	{ "iso-2022-jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "csiso2022jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "iso-2022-jp-1", CS_ICONV, "ISO-2022-JP-2" },
	{ "euc-kr", CS_ICONV, "CP949" },
	{ "cseuckr", CS_ICONV, "CP949" },
	{ "ks-c-5601-1987", CS_ICONV, "CP949" },
	{ "ks-c-5601", CS_ICONV, "CP949" },
	{ "ksc5601", CS_ICONV, "CP949" },
	{ "ksc-5601", CS_ICONV, "CP949" },
	{ "korean", CS_ICONV, "CP949" },
	{ "uhc", CS_ICONV, "CP949" },
	{ "ms949", CS_ICONV, "CP949" },
	{ "windows-949", CS_ICONV, "CP949" },
	{ "x-windows-949", CS_ICONV, "CP949" },
	{ "koi8r", CS_ICONV, "KOI8-R" },
	{ "koi8", CS_ICONV, "KOI8-R" },
	{ "koi8u", CS_ICONV, "KOI8-U" },
	{ "utf-7", CS_ICONV, "UTF-7" },
	{ "x-utf-7", CS_ICONV, "UTF-7" },
	{ "unicode-1-1-utf-7", CS_ICONV, "UTF-7" },
	{ "csunicode11utf7", CS_ICONV, "UTF-7" },
	{ "macintosh", CS_ICONV, "MACINTOSH" },
	{ "mac", CS_ICONV, "MACINTOSH" },
	{ "x-mac-roman", CS_ICONV, "MACINTOSH" },
};

#define CS_NAME_MAX 48

/* The label as written, without quotes and white space, if it is made of
 * characters a charset name can have; else "" (and the text degrades).
 * iconv_open() never sees anything else. */
static void cs_clean(const char *label, char *name)
{
	size_t n = 0;
	const char *p;

	name[0] = '\0';
	if (!label)
		return;
	for (p = label; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t' || c == '"' || c == '\'' ||
		    c == '\r' || c == '\n')
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':') || n + 1 >= CS_NAME_MAX) {
			name[0] = '\0';
			return;
		}
		name[n++] = (char)c;
	}
	name[n] = '\0';
}

/* Lowercase with '_' as '-', the form the alias table uses. */
static void cs_key(const char *name, char *key)
{
	size_t i;

	for (i = 0; name[i]; i++)
		key[i] = name[i] == '_' ? '-' :
			 (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) :
			 name[i];
	key[i] = '\0';
}

/* windows-125x under its many spellings: cp1252, x-cp1250, win-1251... */
static int cs_windows(const char *key, char *iconv_name)
{
	const char *p = key;

	if (!strncmp(p, "x-", 2))
		p += 2;
	if (!strncmp(p, "windows-", 8))
		p += 8;
	else if (!strncmp(p, "win-", 4) || !strncmp(p, "cp-", 3))
		p += *p == 'w' ? 4 : 3;
	else if (!strncmp(p, "cp", 2) || !strncmp(p, "win", 3))
		p += *p == 'w' ? 3 : 2;
	else
		return 0;
	if (strlen(p) != 4 || strncmp(p, "125", 3) || p[3] < '0' || p[3] > '8')
		return 0;
	memcpy(iconv_name, "WINDOWS-125", 11);
	iconv_name[11] = p[3];
	iconv_name[12] = '\0';
	return 1;
}

/* Sorts a label into a kind; for CS_ICONV, fills the name to open. */
static enum cs_kind cs_resolve(const char *label, char *iconv_name)
{
	char name[CS_NAME_MAX], key[CS_NAME_MAX];
	size_t i;

	cs_clean(label, name);
	if (!name[0])
		return CS_UNKNOWN;
	cs_key(name, key);
	for (i = 0; i < ARRAY_SIZE(cs_aliases); i++) {
		if (strcmp(key, cs_aliases[i].name))
			continue;
		if (cs_aliases[i].iconv)
			memcpy(iconv_name, cs_aliases[i].iconv,
			       strlen(cs_aliases[i].iconv) + 1);
		return cs_aliases[i].kind;
	}
	if (cs_windows(key, iconv_name))
		return CS_ICONV;
	memcpy(iconv_name, name, strlen(name) + 1);
	return CS_ICONV;
}

/* Opens a converter, also trying the label without an "x-" prefix. */
static iconv_t cs_open(const char *to, const char *from, int from_label)
{
	const char *name = from_label ? from : to;
	iconv_t cd = iconv_open(to, from);

	if (cd != (iconv_t)-1 || ascii_ncasecmp(name, "x-", 2))
		return cd;
	return from_label ? iconv_open(to, from + 2) : iconv_open(to + 2, from);
}

/* ---- iconv ---- */

/* Runs cd over all of in, appending to out.  With `lenient`, each byte
 * iconv rejects becomes U+FFFD and conversion goes on; without, the first
 * one stops it.  Returns the number of rejected bytes. */
static size_t iconv_run(iconv_t cd, const char *in, size_t len,
			struct buf *out, int lenient)
{
	char *ip = (char *)in, *op;
	size_t il = len, ol, r, bad = 0;
	int flushing = 0;

	for (;;) {
		buf_grow(out, il + il / 2 + 32);
		op = out->data + out->len;
		ol = out->cap - out->len - 1;
		r = flushing ? iconv(cd, NULL, NULL, &op, &ol) :
			       iconv(cd, &ip, &il, &op, &ol);
		out->len = (size_t)(op - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1) {
			if (flushing)
				return bad;
			flushing = 1; /* back to the initial shift state */
			continue;
		}
		if (errno == E2BIG)
			continue;
		if (flushing)
			return bad;
		bad++;
		if (!lenient)
			return bad;
		buf_add(out, REPLACEMENT, 3);
		if (errno != EILSEQ || il == 0) /* EINVAL: cut short at the end */
			flushing = 1;
		else {
			ip++;
			il--;
		}
	}
}

/* Drops NULs and anything not UTF-8 from out->data[from..]: glibc's output
 * is valid, but the contract must not rest on that. */
static void tidy_tail(struct buf *out, size_t from)
{
	struct buf clean = BUF_INIT;

	if (!memchr(out->data + from, '\0', out->len - from) &&
	    utf8_valid(out->data + from, out->len - from))
		return;
	utf8_sanitize(out->data + from, out->len - from, &clean);
	buf_setlen(out, from);
	buf_add(out, clean.data, clean.len);
	buf_release(&clean);
}

int charset_to_utf8(const char *charset, const char *in, size_t len,
		    struct buf *out)
{
	char name[CS_NAME_MAX];
	size_t start = out->len, bad;
	iconv_t cd;

	switch (cs_resolve(charset, name)) {
	case CS_UTF8:
		return utf8_sanitize(in, len, out) ? 1 : 0;
	case CS_ASCII:
		degrade(in, len, out);
		return all_ascii(in, len) ? 0 : 1;
	case CS_UNKNOWN:
		degrade(in, len, out);
		return 1;
	case CS_ICONV:
		break;
	}
	cd = cs_open("UTF-8", name, 1);
	if (cd == (iconv_t)-1) {
		degrade(in, len, out);
		return 1;
	}
	bad = iconv_run(cd, in, len, out, 1);
	iconv_close(cd);
	/* Plain text labelled UTF-7 is more common than UTF-7, and its '+'
	 * signs then decode to garbage: unless the text is UTF-7 as an
	 * encoder writes it, it is read as unlabelled. */
	if (!strcmp(name, "UTF-7") && (bad || !utf7_plausible(in, len))) {
		buf_setlen(out, start);
		degrade(in, len, out);
		return 1;
	}
	tidy_tail(out, start);
	return bad ? 1 : 0;
}

int utf8_to_charset(const char *charset, const char *in, size_t len,
		    struct buf *out)
{
	char name[CS_NAME_MAX];
	size_t bad;
	iconv_t cd;

	if (!utf8_valid(in, len))
		return -1;
	switch (cs_resolve(charset, name)) {
	case CS_UTF8:
		buf_add(out, in, len);
		return 0;
	case CS_ASCII:
		buf_add(out, in, len);
		return all_ascii(in, len) ? 0 : -1;
	case CS_UNKNOWN:
		return -1;
	case CS_ICONV:
		break;
	}
	/* Written text must be in exactly the charset its label names, so the
	 * label itself is opened, not the wider charset we read it as. */
	cs_clean(charset, name);
	cd = cs_open(name, "UTF-8", 0);
	if (cd == (iconv_t)-1)
		return -1;
	bad = iconv_run(cd, in, len, out, 0);
	iconv_close(cd);
	return bad ? -1 : 0;
}

/* ---- quoted-printable (RFC 2045 section 6.7) ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_pair(const char *s, size_t len)
{
	int hi, lo;

	if (len < 2 || (hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
		return -1;
	return hi * 16 + lo;
}

/* Length of a soft line break at s ("=" already consumed): optional
 * blanks a relay may have added, then CRLF, LF or the end; 0 if none. */
static size_t qp_soft_break(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len)
		return i;
	if (s[i] == '\n')
		return i + 1;
	if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
		return i + 2;
	return 0;
}

void qp_decode(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, start, n;
	int v;

	buf_grow(out, len);
	while (i < len) {
		start = i;
		while (i < len && in[i] != '=')
			i++;
		buf_add(out, in + start, i - start);
		if (i >= len)
			break;
		i++; /* the '=' */
		if ((v = hex_pair(in + i, len - i)) >= 0) {
			buf_addc(out, (char)v);
			i += 2;
		} else if ((n = qp_soft_break(in + i, len - i)) > 0 ||
			   i == len) {
			i += n;
		} else {
			buf_addc(out, '='); /* a bad escape stays as written */
		}
	}
}

/* Does a QP line need this byte escaped?  Trailing blanks would be lost
 * to relays, and "From " and a lone "." at the start of a line are
 * escaped so mbox files and SMTP dot-stuffing cannot touch them. */
static int qp_must_escape(const char *in, size_t len, size_t i, int bol)
{
	unsigned char c = (unsigned char)in[i];
	size_t rest = len - i - 1;

	if (c == '=' || c >= 0x7F || (c < 0x20 && c != '\t'))
		return 1;
	if (c == ' ' || c == '\t')
		return rest == 0 || in[i + 1] == '\n' ||
		       (in[i + 1] == '\r' && rest > 1 && in[i + 2] == '\n');
	if (bol && c == '.')
		return 1;
	return bol && c == 'F' && rest >= 4 && !memcmp(in + i + 1, "rom ", 4);
}

void qp_encode(const char *in, size_t len, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0, tok;
	char esc[3];

	for (i = 0; i < len; i++) {
		if (in[i] == '\n' || (in[i] == '\r' && i + 1 < len &&
				      in[i + 1] == '\n')) {
			i += in[i] == '\r';
			buf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		tok = qp_must_escape(in, len, i, col == 0) ? 3 : 1;
		/* 75 characters plus the soft break's "=" make 76. */
		if (col + tok > 75) {
			buf_adds(out, "=\r\n");
			col = 0;
			tok = qp_must_escape(in, len, i, 1) ? 3 : 1;
		}
		if (tok == 1) {
			buf_addc(out, in[i]);
		} else {
			esc[0] = '=';
			esc[1] = hex[(unsigned char)in[i] >> 4];
			esc[2] = hex[(unsigned char)in[i] & 15];
			buf_add(out, esc, 3);
		}
		col += tok;
	}
}

/* ---- base64 (RFC 2045 section 6.8) ---- */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Writes the bytes of a quantum of n sextets (n < 2 holds no byte). */
static void b64_flush(unsigned long acc, int n, struct buf *out)
{
	char b[3];

	if (n < 2)
		return;
	acc <<= 6 * (4 - n);
	b[0] = (char)(acc >> 16);
	b[1] = (char)(acc >> 8);
	b[2] = (char)acc;
	buf_add(out, b, (size_t)n - 1);
}

void base64_decode(const char *in, size_t len, struct buf *out)
{
	unsigned long acc = 0;
	int n = 0, v;
	size_t i;

	buf_grow(out, len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		/* '=' ends a quantum early: some senders concatenate encoded
		 * blocks, each with its own padding. */
		if (in[i] == '=') {
			b64_flush(acc, n, out);
			acc = 0;
			n = 0;
			continue;
		}
		if ((v = b64val((unsigned char)in[i])) < 0)
			continue; /* line breaks and garbage */
		acc = (acc << 6) | (unsigned long)v;
		if (++n == 4) {
			b64_flush(acc, 4, out);
			acc = 0;
			n = 0;
		}
	}
	b64_flush(acc, n, out); /* missing padding */
}

static void b64_quantum(const unsigned char *p, size_t n, struct buf *out)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = (unsigned long)p[0] << 16;
	char q[4];

	if (n > 1)
		acc |= (unsigned long)p[1] << 8;
	if (n > 2)
		acc |= p[2];
	q[0] = al[(acc >> 18) & 63];
	q[1] = al[(acc >> 12) & 63];
	q[2] = n > 1 ? al[(acc >> 6) & 63] : '=';
	q[3] = n > 2 ? al[acc & 63] : '=';
	buf_add(out, q, 4);
}

void base64_encode(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, col = 0;

	for (i = 0; i < len; i += 3) {
		b64_quantum(p + i, len - i < 3 ? len - i : 3, out);
		col += 4;
		if (col == 76 || i + 3 >= len) {
			buf_adds(out, "\r\n");
			col = 0;
		}
	}
}

void base64_encode_line(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i;

	for (i = 0; i < len; i += 3)
		b64_quantum(p + i, len - i < 3 ? len - i : 3, out);
}
