/* test_decode.c: charsets, quoted-printable, base64, RFC 2047 words both
 * ways and RFC 2231 parameters, with real byte sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "mail/decode.h"
#include "core/util.h"

#define FFFD "\xef\xbf\xbd"

/* ---- helpers ---- */

static int conv(const char *cs, const char *in, size_t len, struct buf *out)
{
	buf_reset(out);
	return charset_to_utf8(cs, in, len, out);
}

/* Converts a string literal (NULs included) and checks text and code. */
#define CHECK_CS(cs, lit, want, want_rc) \
	check_cs((cs), (lit), sizeof(lit) - 1, (want), (want_rc))

static void check_cs(const char *cs, const char *in, size_t len,
		     const char *want, int want_rc)
{
	struct buf out = BUF_INIT;
	int rc = conv(cs, in, len, &out);

	assert_string_equal(out.data, want);
	assert_int_equal(rc, want_rc);
	assert_true(utf8_valid(out.data, out.len));
	assert_int_equal(strlen(out.data), out.len); /* no NUL inside */
	buf_release(&out);
}

static void hdec(const char *raw, const char *want)
{
	struct buf out = BUF_INIT;

	header_decode(raw, strlen(raw), &out);
	assert_string_equal(out.data, want);
	buf_release(&out);
}

static void param(const char *value, const char *name, const char *want)
{
	struct buf out = BUF_INIT;
	int rc = mime_param_get(value, name, &out);

	if (!want) {
		assert_int_equal(rc, -1);
	} else {
		assert_int_equal(rc, 0);
		assert_string_equal(out.data, want);
	}
	buf_release(&out);
}

/* Every line of s (CRLF separated) is at most max characters. */
static void assert_lines_max(const char *s, size_t max)
{
	const char *p = s, *nl;

	while ((nl = strstr(p, "\r\n")) != NULL) {
		assert_true((size_t)(nl - p) <= max);
		p = nl + 2;
	}
	assert_true(strlen(p) <= max);
}

/* ---- UTF-8 ---- */

static void utf8_validity(void **state)
{
	static const char *good[] = { "", "plain", "caf\xc3\xa9", "\xe2\x82\xac",
				      "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf" };
	static const char *bad[] = {
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong, three bytes */
		"\xed\xa0\x80",     /* UTF-16 surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\x80",             /* lone continuation */
		"\xe2\x82",         /* cut short */
		"\xf5\x80\x80\x80", "\xff",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(utf8_valid(good[i], strlen(good[i])));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(utf8_valid(bad[i], strlen(bad[i])));
	assert_int_equal(utf8_seqlen("\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_seqlen("\xe2\x82\xac", 2), 0);
}

/* ---- charsets ---- */

static void charsets_real_bytes(void **state)
{
	(void)state;
	CHECK_CS("ISO-2022-JP", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは", 0);
	CHECK_CS("GB2312", "\xd6\xd0\xce\xc4", "中文", 0);
	/* A GBK-only character and a GB18030-only one under the old labels:
	 * mail labelled gb2312 uses both. */
	CHECK_CS("gb2312", "\xe9" "F", "镕", 0);
	CHECK_CS("GBK", "\xa2\xe3", "€", 0);
	CHECK_CS("GB18030", "\xd6\xd0\xa2\xe3", "中€", 0);
	CHECK_CS("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", 0);
	CHECK_CS("Shift_JIS", "\x93\xfa\x96{", "日本", 0);
	CHECK_CS("shift_jis", "\x87@", "①", 0); /* a CP932 extension */
	CHECK_CS("EUC-JP", "\xc6\xfc\xcb\xdc", "日本", 0);
	CHECK_CS("Big5", "\xa4\xa4\xa4\xe5", "中文", 0);
	CHECK_CS("EUC-KR", "\xc7\xd1\xb1\xb9", "한국", 0);
	CHECK_CS("windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет", 0);
	CHECK_CS("windows-1252", "\x80\x93\x94", "€“”", 0);
	CHECK_CS("ISO-8859-1", "caf\xe9", "café", 0);
	CHECK_CS("iso-8859-2", "\xa3\xf3" "d" "\xbc", "Łódź", 0);
	CHECK_CS("ISO-8859-7", "\xc5\xeb\xeb\xdc\xe4\xe1", "Ελλάδα", 0);
	CHECK_CS("iso-8859-15", "\xa4", "€", 0);
	CHECK_CS("UTF-8", "caf\xc3\xa9 \xf0\x9f\x98\x80", "café 😀", 0);
	CHECK_CS("us-ascii", "plain text", "plain text", 0);
}

static void charset_aliases(void **state)
{
	(void)state;
	CHECK_CS("utf8", "\xc3\xa9", "é", 0);
	CHECK_CS(" \"UTF-8\" ", "\xc3\xa9", "é", 0);
	CHECK_CS("Utf_8", "\xc3\xa9", "é", 0);
	CHECK_CS("ks_c_5601-1987", "\xc7\xd1", "한", 0);
	CHECK_CS("x-sjis", "\x93\xfa", "日", 0);
	CHECK_CS("cp1251", "\xcf", "П", 0);
	CHECK_CS("win-1251", "\xcf", "П", 0);
	CHECK_CS("x-cp1250", "\xa3", "Ł", 0);
	CHECK_CS("latin1", "\xe9", "é", 0);
	CHECK_CS("X-GBK", "\xd6\xd0", "中", 0);
	CHECK_CS("csISO2022JP", "\x1b$B$3\x1b(B", "こ", 0);
	/* Labels that say nothing degrade: UTF-8 where valid, else 1252. */
	CHECK_CS("x-unknown", "caf\xe9", "café", 1);
	CHECK_CS("X-UNKNOWN", "caf\xc3\xa9", "café", 1);
	CHECK_CS("unknown-8bit", "\x93quoted\x94", "“quoted”", 1);
	CHECK_CS("no-such-charset", "caf\xe9", "café", 1);
	CHECK_CS("../../../etc/passwd", "caf\xe9", "café", 1);
	CHECK_CS("", "caf\xe9", "café", 1);
	CHECK_CS(NULL, "caf\xc3\xa9", "café", 1);
}

static void charset_utf7(void **state)
{
	(void)state;
	/* Real UTF-7 (RFC 2152's example) decodes... */
	CHECK_CS("UTF-7", "Hi Mom -+Jjo--!", "Hi Mom -☺-!", 0);
	CHECK_CS("unicode-1-1-utf-7", "A+ImIDkQ.", "A≢Α.", 0);
	/* ...ASCII mislabelled as UTF-7 is read as plain text. */
	CHECK_CS("unicode-1-1-utf-7", "C+ is +great", "C+ is +great", 1);
	CHECK_CS("utf-7", "caf\xe9", "café", 1);
}

static void charset_us_ascii_8bit(void **state)
{
	(void)state;
	/* us-ascii that is not: UTF-8 sequences stay, other bytes are 1252. */
	CHECK_CS("us-ascii", "Gr\xc3\xbc\xc3\x9f" "e", "Grüße", 1);
	CHECK_CS("US-ASCII", "Gr\xfc\xdf" "e", "Grüße", 1);
	CHECK_CS("ascii", "na\xefve \xe2\x80\x94 x", "naïve — x", 1);
	CHECK_CS("ansi_x3.4-1968", "\x80", "€", 1);
}

static void charset_invalid_sequences(void **state)
{
	(void)state;
	/* One U+FFFD per bad byte, and the conversion goes on. */
	CHECK_CS("UTF-8", "a\xffz", "a" FFFD "z", 1);
	CHECK_CS("utf-8", "\xc0\xaf", FFFD FFFD, 1);
	CHECK_CS("utf-8", "\xed\xa0\x80!", FFFD FFFD FFFD "!", 1);
	CHECK_CS("utf-8", "\xe2\x82", FFFD FFFD, 1);
	CHECK_CS("Shift_JIS", "\x93\xfa\xff\x96{", "日" FFFD "本", 1);
	CHECK_CS("GB2312", "\xd6\xd0\xce", "中" FFFD, 1);
	CHECK_CS("EUC-JP", "\xc6\xfc\xff\xcb\xdc", "日" FFFD "本", 1);
	CHECK_CS("KOI8-R", "\xf0\x00\xd2", "Пр", 0); /* NUL dropped */
	CHECK_CS("windows-1252", "a\x81" "b", "a" FFFD "b", 1);
	CHECK_CS("utf-8", "a\0b", "ab", 0);
	CHECK_CS(NULL, "a\0b\xe9", "abé", 1);
	/* A stateful charset cut in the middle of a character. */
	CHECK_CS("ISO-2022-JP", "\x1b$B$3$", "こ" FFFD, 1);
}

static void charset_from_utf8(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(utf8_to_charset("iso-8859-1", "caf\xc3\xa9", 5, &out), 0);
	assert_string_equal(out.data, "caf\xe9");
	buf_reset(&out);
	/* The label is honoured exactly: no 1252 byte in Latin-1 output. */
	assert_int_equal(utf8_to_charset("iso-8859-1", "\xe2\x82\xac", 3, &out), -1);
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("ISO-2022-JP", "日a", 4, &out), 0);
	assert_string_equal(out.data, "\x1b$BF|\x1b(Ba");
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("ISO-2022-JP", "日", 3, &out), 0);
	assert_string_equal(out.data, "\x1b$BF|\x1b(B"); /* back to ASCII */
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("koi8-r", "Привет", 12, &out), 0);
	assert_string_equal(out.data, "\xf0\xd2\xc9\xd7\xc5\xd4");
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("koi8-r", "中", 3, &out), -1);
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("us-ascii", "plain", 5, &out), 0);
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("us-ascii", "é", 2, &out), -1);
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("utf8", "é", 2, &out), 0);
	assert_string_equal(out.data, "é");
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("no-such-charset", "a", 1, &out), -1);
	buf_reset(&out);
	assert_int_equal(utf8_to_charset("utf-8", "\xff", 1, &out), -1);
	buf_release(&out);
}

/* ---- quoted-printable ---- */

static void qp_decoding(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a=3Db", "a=b" },
		{ "caf=E9 caf=e9", "caf\xe9 caf\xe9" },     /* lowercase hex */
		{ "soft=\r\nbreak", "softbreak" },
		{ "soft=\nbreak", "softbreak" },             /* LF only */
		{ "soft=  \t\r\nbreak", "softbreak" },       /* blanks after = */
		{ "line\r\nnext\r\n", "line\r\nnext\r\n" }, /* hard breaks kept */
		{ "bad=ZZescape", "bad=ZZescape" },          /* left as written */
		{ "half=4", "half=4" },
		{ "end=", "end" },                            /* soft break at end */
		{ "=3", "=3" },
		{ "==41", "=A" },
		{ "", "" },
	};
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&out);
		qp_decode(cases[i].in, strlen(cases[i].in), &out);
		assert_string_equal(out.data, cases[i].want);
	}
	buf_release(&out);
}

static void qp_encoding(void **state)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	size_t i;

	(void)state;
	/* A long line with an escape at every possible break position. */
	for (i = 0; i < 300; i++)
		buf_addc(&in, i % 7 == 0 ? '=' : (char)('a' + i % 26));
	buf_adds(&in, "\r\ncaf\xc3\xa9 trailing space \r\nFrom here\r\n.\r\n");
	qp_encode(in.data, in.len, &enc);
	assert_lines_max(enc.data, 76);
	assert_null(strstr(enc.data, "space \r\n")); /* trailing blank */
	assert_non_null(strstr(enc.data, "space=20\r\n"));
	assert_non_null(strstr(enc.data, "\r\n=46rom here"));
	assert_non_null(strstr(enc.data, "\r\n=2E\r\n"));
	assert_non_null(strstr(enc.data, "caf=C3=A9"));
	for (i = 0; i < enc.len; i++)
		assert_true((unsigned char)enc.data[i] < 0x80);
	qp_decode(enc.data, enc.len, &dec);
	assert_int_equal(dec.len, in.len);
	assert_memory_equal(dec.data, in.data, in.len);
	/* Every byte value survives the round trip. */
	buf_reset(&in);
	buf_reset(&enc);
	buf_reset(&dec);
	for (i = 0; i < 256; i++)
		buf_addc(&in, (char)i);
	qp_encode(in.data, in.len, &enc);
	assert_lines_max(enc.data, 76);
	qp_decode(enc.data, enc.len, &dec);
	/* A bare LF is a line break in text: it comes back as CRLF. */
	assert_int_equal(dec.len, in.len + 1);
	assert_memory_equal(dec.data, in.data, 10);
	assert_memory_equal(dec.data + 10, "\r\n", 2);
	assert_memory_equal(dec.data + 12, in.data + 11, in.len - 11);
	buf_release(&in);
	buf_release(&enc);
	buf_release(&dec);
}

/* ---- base64 ---- */

static void base64_decoding(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "TWFu", "Man" },
		{ "TWE=", "Ma" },
		{ "TQ==", "M" },
		{ "TWE", "Ma" },                 /* missing padding */
		{ "TQ", "M" },
		{ "T", "" },                     /* one sextet holds no byte */
		{ "TW\r\nFu\r\n", "Man" },
		{ "T!W*F u", "Man" },            /* garbage is skipped */
		{ "TQ==TWE=", "MMa" },           /* concatenated blocks */
		{ "SGVsbG8=\r\nIHdvcmxk", "Hello world" },
		{ "", "" },
		{ "====", "" },
	};
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&out);
		base64_decode(cases[i].in, strlen(cases[i].in), &out);
		assert_string_equal(out.data, cases[i].want);
	}
	buf_release(&out);
}

static void base64_encoding(void **state)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	size_t n, i;

	(void)state;
	base64_encode("Man", 3, &enc);
	assert_string_equal(enc.data, "TWFu\r\n");
	buf_reset(&enc);
	base64_encode("", 0, &enc);
	assert_string_equal(enc.data, "");
	for (n = 0; n < 200; n++) {
		buf_reset(&in);
		buf_reset(&enc);
		buf_reset(&dec);
		for (i = 0; i < n; i++)
			buf_addc(&in, (char)(i * 37 + n));
		base64_encode(in.data, in.len, &enc);
		assert_lines_max(enc.data, 76);
		if (n > 57) /* full lines are exactly 76 characters */
			assert_int_equal(strstr(enc.data, "\r\n") - enc.data, 76);
		base64_decode(enc.data, enc.len, &dec);
		assert_int_equal(dec.len, n);
		assert_memory_equal(dec.data, in.data, n);
	}
	buf_release(&in);
	buf_release(&enc);
	buf_release(&dec);
}

/* ---- RFC 2047 ---- */

static void rfc2047_basic(void **state)
{
	(void)state;
	hdec("=?UTF-8?B?Q2Fmw6k=?=", "Café");
	hdec("=?iso-8859-1?q?caf=E9_cr=E8me?=", "café crème");
	hdec("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	     "André Pirard <PIRARD@vm1.ulg.ac.be>");
	hdec("Re: =?utf-8?q?r=C3=A9sum=C3=A9?= attached",
	     "Re: résumé attached");
	hdec("=?utf-8*en?q?lang?=", "lang"); /* RFC 2231 language suffix */
	hdec("=?UTF-8?B?w6k?=", "é");         /* missing padding */
	hdec("no words here", "no words here");
	hdec("", "");
}

static void rfc2047_adjacent(void **state)
{
	(void)state;
	/* RFC 2047 section 8's examples. */
	hdec("(=?ISO-8859-1?Q?a?=)", "(a)");
	hdec("(=?ISO-8859-1?Q?a?= b)", "(a b)");
	hdec("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
	hdec("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)");
	hdec("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)");
	hdec("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
	hdec("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
	/* A character split between two words survives. */
	hdec("=?utf-8?q?=C3?= =?utf-8?q?=A9t=C3=A9?=", "été");
	hdec("=?UTF-8?B?5pel?=\r\n =?UTF-8?B?5pys?=", "日本");
}

static void rfc2047_mixed_charsets(void **state)
{
	(void)state;
	hdec("=?iso-8859-1?q?Caf=E9?= =?koi8-r?b?8NLJ18XU?= =?utf-8?q?=E2=9C=93?=",
	     "CaféПривет✓");
	hdec("=?ISO-2022-JP?B?GyRCJEgkaiQiJCgkOhsoQg==?=", "とりあえず");
	hdec("[ruby] =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?= test", "[ruby] 日本語 test");
	hdec("=?gb2312?B?1tDOxA==?=", "中文");
	hdec("=?Shift_JIS?B?k/qWew==?=", "日本");
	hdec("=?big5?B?pKSk5Q==?=", "中文");
	hdec("=?x-unknown?q?caf=E9?=", "café");
}

static void rfc2047_bad_words(void **state)
{
	(void)state;
	/* What is not a well-formed word stays visible as written. */
	hdec("=?utf-8?x?abc?=", "=?utf-8?x?abc?=");
	hdec("=?utf-8?q?unclosed", "=?utf-8?q?unclosed");
	hdec("=?utf-8?b?!!not*base64?=", "=?utf-8?b?!!not*base64?=");
	hdec("=??q?nocharset?=", "=??q?nocharset?=");
	hdec("=?utf-8?q?broken =?utf-8?q?ok?=", "=?utf-8?q?broken ok");
	hdec("100% =? sure ?=", "100% =? sure ?=");
	/* Invalid bytes inside a word become U+FFFD, the rest stays. */
	hdec("=?utf-8?q?a=FFb?=", "a" FFFD "b");
}

static void header_raw_text(void **state)
{
	(void)state;
	hdec("caf\xe9", "café");                     /* raw Latin-1 */
	hdec("caf\xc3\xa9", "café");                 /* raw UTF-8 */
	hdec("caf\xe9 and caf\xc3\xa9", "café and café");
	hdec("folded\r\n line", "folded line");
	hdec("bare\rcr\nlf", "bare cr lf");
	/* Controls decoded from words cannot break a header line. */
	hdec("=?utf-8?q?a=0D=0ABcc:_x?=", "a  Bcc: x");
	hdec("=?utf-8?q?nul=00here?=", "nulhere");
}

/* ---- header encoding ---- */

/* Checks an encoded header: lines within limits, words within 75, each
 * word decodes alone to valid UTF-8 (no character was split), and the
 * whole decodes back to `want` (the input when NULL). */
static void check_encoded_as(const char *utf8, size_t name_len,
			     const char *want)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, one = BUF_INIT;
	const char *p, *e, *line;

	header_encode(utf8, strlen(utf8), name_len, &enc);
	for (p = enc.data, line = enc.data; *p; p++) {
		assert_true((unsigned char)*p < 0x80);
		if (*p == '\r') {
			assert_true(p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'));
			assert_true((size_t)(p - line) + (line == enc.data ? name_len + 2 : 0) <= 76);
			line = p + 2;
		}
		assert_true(*p != '\n' || p[-1] == '\r');
	}
	for (p = enc.data; (p = strstr(p, "=?")) != NULL; p = e + 2) {
		e = strstr(p + 10, "?=");
		assert_non_null(e);
		assert_true(e + 2 - p <= 75);
		buf_reset(&one);
		header_decode(p, (size_t)(e + 2 - p), &one);
		assert_true(utf8_valid(one.data, one.len));
		assert_null(strstr(one.data, FFFD));
	}
	assert_true(strlen(line) + (line == enc.data ? name_len + 2 : 0) <= 76);
	header_decode(enc.data, enc.len, &dec);
	assert_string_equal(dec.data, want ? want : utf8);
	buf_release(&enc);
	buf_release(&dec);
	buf_release(&one);
}

static void check_encoded(const char *utf8, size_t name_len)
{
	check_encoded_as(utf8, name_len, NULL);
}

static void rfc2047_encoding(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	header_encode("plain ascii subject", 19, 7, &out);
	assert_string_equal(out.data, "plain ascii subject");
	buf_reset(&out);
	header_encode("Caf\xc3\xa9 au lait", 13, 7, &out);
	assert_non_null(strstr(out.data, "=?UTF-8?"));
	assert_non_null(strstr(out.data, " au lait"));
	buf_release(&out);
	check_encoded("Café au lait", 7);
	check_encoded("Re: [list] Это тестовое сообщение с довольно длинной "
		      "темой, которую нужно перенести на несколько строк", 7);
	check_encoded("日本語の件名がとても長い場合にはエンコードされた単語が"
		      "複数になります。日本語の件名がとても長い場合には", 7);
	check_encoded("emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 end", 30);
	check_encoded("x =?not?q?a word?= y é", 7); /* ASCII that looks encoded */
	/* Line breaks in the text cannot start a new header field. */
	check_encoded_as("a\r\nBcc: victim@example.org é", 7,
			 "a  Bcc: victim@example.org é");
	check_encoded("lead  and   inner blanks é  ", 7);
	check_encoded("é", 40); /* the first word fits what is left */
}

/* ---- RFC 2231 ---- */

static void rfc2231_continuations(void **state)
{
	(void)state;
	/* RFC 2231 section 4.1's example: mixed encoded and plain sections. */
	param("message/external-body; access-type=URL;\r\n"
	      " URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
	      "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	param("application/x-stuff;\r\n"
	      " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
	      " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
	      " title*2=\"isn't it!\"",
	      "title", "This is even more ***fun*** isn't it!");
	/* Out of order, and a missing section skipped. */
	param("a; name*2=c; name*0=a; name*1=b", "name", "abc");
	param("a; name*0=a; name*2=c", "name", "ac");
	/* Charset in section 0 applies to later encoded sections. */
	param("attachment; filename*0*=iso-8859-1''caf%E9; filename*1=\" menu.txt\"",
	      "filename", "café menu.txt");
	param("attachment; filename*0*=utf-8''%E6%97%A5; filename*1*=%E6%9C%AC.pdf",
	      "filename", "日本.pdf");
}

static void rfc2231_charsets(void **state)
{
	(void)state;
	param("attachment; filename*=utf-8''%E2%82%AC%20rates.pdf", "filename",
	      "€ rates.pdf");
	param("attachment; filename*=UTF-8'en-us'na%C3%AFve.txt", "FILENAME",
	      "naïve.txt");
	param("attachment; filename*=iso-8859-1'fr'r%E9sum%E9.doc", "filename",
	      "résumé.doc");
	param("attachment; filename*=koi8-r''%F0%D2%C9%D7%C5%D4.txt", "filename",
	      "Привет.txt");
	param("text/plain; charset*=ansi-x3.4-1968''us-ascii", "charset", "us-ascii");
	param("attachment; filename*=''plain%20name", "filename", "plain name");
	param("attachment; filename*=%41%zz%4", "filename", "A%zz%4");
	/* The extended form wins over the plain one sent for old readers. */
	param("attachment; filename=\"old.txt\"; filename*=utf-8''new.txt",
	      "filename", "new.txt");
}

static void rfc2231_plain_values(void **state)
{
	(void)state;
	param("text/plain; charset=\"utf-8\"", "charset", "utf-8");
	param("text/plain; charset=utf-8 (a comment)", "charset", "utf-8");
	param("text/plain; name=\"a\\\"b;c\"; x=1", "name", "a\"b;c");
	param("text/plain; x=1", "name", NULL);
	param("attachment; xfilename=a", "filename", NULL);
	param("attachment; filename=\"=?utf-8?q?caf=C3=A9?=.txt\"", "filename",
	      "café.txt"); /* RFC 2047 inside quotes, as mailers send it */
	param("attachment; filename=\"caf\xe9.txt\"", "filename", "café.txt");
	param("attachment; filename=my file.pdf ; size=3", "filename", "my file.pdf");
	param("text/plain charset=utf-8", "charset", "utf-8"); /* no ';' */
	param("attachment; filename=\"unterminated", "filename", "unterminated");
	param("multipart/mixed;\r\n\tboundary=\"----=_Part_1\"", "boundary",
	      "----=_Part_1");
	param("", "charset", NULL);
	param(";;;==;", "charset", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_validity),
		cmocka_unit_test(charsets_real_bytes),
		cmocka_unit_test(charset_aliases),
		cmocka_unit_test(charset_utf7),
		cmocka_unit_test(charset_us_ascii_8bit),
		cmocka_unit_test(charset_invalid_sequences),
		cmocka_unit_test(charset_from_utf8),
		cmocka_unit_test(qp_decoding),
		cmocka_unit_test(qp_encoding),
		cmocka_unit_test(base64_decoding),
		cmocka_unit_test(base64_encoding),
		cmocka_unit_test(rfc2047_basic),
		cmocka_unit_test(rfc2047_adjacent),
		cmocka_unit_test(rfc2047_mixed_charsets),
		cmocka_unit_test(rfc2047_bad_words),
		cmocka_unit_test(header_raw_text),
		cmocka_unit_test(rfc2047_encoding),
		cmocka_unit_test(rfc2231_continuations),
		cmocka_unit_test(rfc2231_charsets),
		cmocka_unit_test(rfc2231_plain_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
