/* test_listcopy.c: the list copy: subject tag, header replacement, byte
 * preservation and every footer case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "delivery/listcopy.h"
#include "mail/decode.h"
#include "core/util.h"

#define TAG "[x]"
#define LIST_HEADERS "List-Id: X list <x.example.org>\r\n" \
		     "List-Post: <mailto:x@example.org>\r\n" \
		     "Precedence: list\r\n"
#define CN "\xe4\xb8\xad\xe6\x96\x87" /* two Chinese characters, UTF-8 */

/* ---- helpers ---- */

static char *tagged(const char *raw)
{
	struct buf b = BUF_INIT;

	subject_tag_apply(raw, TAG, &b);
	return buf_detach(&b, NULL);
}

static void assert_tagged(const char *raw, const char *want)
{
	char *got = tagged(raw);

	assert_string_equal(got, want);
	free(got);
}

static char *decoded(const char *raw)
{
	struct buf b = BUF_INIT, unfolded = BUF_INIT;
	const char *p;

	for (p = raw; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_addc(&unfolded, *p);
	header_decode(unfolded.data, unfolded.len, &b);
	buf_release(&unfolded);
	return buf_detach(&b, NULL);
}

/* The tag applied, then checked by meaning: decoded, the result must be
 * want, and applying the tag again must change nothing. */
static void assert_tagged_means(const char *raw, const char *want)
{
	char *got = tagged(raw), *again = tagged(got), *text = decoded(got);

	assert_string_equal(text, want);
	assert_string_equal(again, got);
	free(got);
	free(again);
	free(text);
}

static int footer(const char *msg, const char *text, struct buf *out)
{
	buf_reset(out);
	return footer_add(msg, strlen(msg), text, out);
}

static const char *body_of(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");

	assert_non_null(p);
	return p + 4;
}

/* The value of the first field `name` in msg's header, unfolded no. */
static char *field(const char *msg, const char *name)
{
	struct rawhdr_field f;
	size_t fields_end, body;
	const char *why;

	if (rawhdr_split(msg, strlen(msg), &fields_end, &body, &why) < 0 ||
	    !rawhdr_find(msg, fields_end, name, &f))
		return NULL;
	return xstrndup(msg + f.value, f.value_end - f.value);
}

static void assert_field(const char *msg, const char *name, const char *want)
{
	char *v = field(msg, name);

	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static int has_8bit_in(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void assert_lines_max(const char *s, size_t max)
{
	const char *nl;

	while ((nl = strstr(s, "\r\n"))) {
		assert_true((size_t)(nl - s) <= max);
		s = nl + 2;
	}
}

/* ---- subject tag ---- */

static void subject_plain(void **state)
{
	(void)state;
	assert_tagged("hello", "[x] hello");
	assert_tagged("  hello world ", "[x] hello world ");
	assert_tagged("", "[x]");
	assert_tagged("Rebuild: the plan", "[x] Rebuild: the plan");
	assert_tagged("Fwd: hello", "[x] Fwd: hello");
	assert_tagged("hello\r\n world", "[x] hello\r\n world");
}

static void subject_reply_chains(void **state)
{
	(void)state;
	assert_tagged("Re: hello", "Re: [x] hello");
	assert_tagged("Re: [x] Re: [x] hi", "Re: [x] hi");
	assert_tagged("Re: Re: Re: hi", "Re: [x] hi");
	assert_tagged("RE: re: rE: hi", "Re: [x] hi");
	assert_tagged("Re[2]: hi", "Re: [x] hi");
	assert_tagged("Re(3): Re : hi", "Re: [x] hi");
	assert_tagged("Re:hi", "Re: [x] hi");
	assert_tagged("Re:", "Re: [x]");
	assert_tagged("[x] Re: hello", "Re: [x] hello");
	assert_tagged("Re:\r\n [x] Re: hello", "Re: [x] hello");
}

static void subject_other_languages(void **state)
{
	(void)state;
	assert_tagged("AW: [x] hallo", "Re: [x] hallo");
	assert_tagged("Aw: Re: hallo", "Re: [x] hallo");
	assert_tagged("SV: hej", "Re: [x] hej");
	assert_tagged("Sv: SV: hej", "Re: [x] hej");
	assert_tagged("Antw: hoi", "Re: [x] hoi");
	/* Not reply prefixes. */
	assert_tagged("Awful: news", "[x] Awful: news");
	assert_tagged("Svelte: x", "[x] Svelte: x");
}

static void subject_tag_present(void **state)
{
	(void)state;
	assert_tagged("[x] hello", "[x] hello");
	assert_tagged("Re: [x] hello", "Re: [x] hello");
	assert_tagged("[X] hello", "[x] hello");
	assert_tagged("[x] [x] hello", "[x] hello");
	assert_tagged("[x]hello", "[x] hello");
	assert_tagged("Fwd: [x] hello", "[x] Fwd: hello");
	assert_tagged("hello [x]", "[x] hello");
	/* Another list's tag stays; ours goes in front. */
	assert_tagged("Re: [y] hello", "Re: [x] [y] hello");
	/* A tag glued to a word is not the tag. */
	assert_tagged("a[x]b", "[x] a[x]b");
}

static void subject_no_tag(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	subject_tag_apply(" Re: hello", NULL, &b);
	assert_string_equal(b.data, "Re: hello");
	buf_reset(&b);
	subject_tag_apply("Re: hello", "", &b);
	assert_string_equal(b.data, "Re: hello");
	buf_release(&b);
}

static void subject_encoded_words(void **state)
{
	(void)state;
	/* The encoded words stay as they are, after a plain "[x] ". */
	assert_tagged("=?utf-8?q?caf=C3=A9?=", "[x] =?utf-8?q?caf=C3=A9?=");
	assert_tagged("Re: =?ISO-8859-1?Q?caf=E9?=",
		      "Re: [x] =?ISO-8859-1?Q?caf=E9?=");
	assert_tagged("Re: [x] =?utf-8?b?Y2Fmw6k=?=",
		      "Re: [x] =?utf-8?b?Y2Fmw6k=?=");
	assert_tagged("=?utf-8?b?Y2Fmw6k=?=\r\n =?utf-8?b?IGV0IHRow6k=?=",
		      "[x] =?utf-8?b?Y2Fmw6k=?=\r\n =?utf-8?b?IGV0IHRow6k=?=");
	assert_tagged_means("=?utf-8?q?caf=C3=A9?=", "[x] caf\xc3\xa9");
}

static void subject_adjacent_encoded_words(void **state)
{
	/* The space is inside the first word: RFC 2047 drops the one between
	 * the words, so the meaning is "hello world" with one space. */
	static const char raw[] = "=?utf-8?q?hello_?= =?utf-8?q?w=C3=B6rld?=";
	char *text = decoded(raw);

	(void)state;
	assert_string_equal(text, "hello w\xc3\xb6rld");
	free(text);
	assert_tagged(raw, "[x] =?utf-8?q?hello_?= =?utf-8?q?w=C3=B6rld?=");
	assert_tagged_means(raw, "[x] hello w\xc3\xb6rld");
	assert_tagged_means("Re: =?utf-8?q?hello?= =?utf-8?q?_w=C3=B6rld?=",
			    "Re: [x] hello w\xc3\xb6rld");
	/* Every word encoded: the result keeps each space. */
	assert_tagged_means("=?utf-8?q?Re:_caf=C3=A9?= =?utf-8?q?_au_lait?=",
			    "Re: [x] caf\xc3\xa9 au lait");
}

static void subject_encoded_prefixes(void **state)
{
	(void)state;
	/* Prefixes and tags inside encoded words: decoded, made canonical,
	 * encoded again. */
	assert_tagged_means("=?utf-8?q?Re:_[x]_caf=C3=A9?=",
			    "Re: [x] caf\xc3\xa9");
	assert_tagged_means("=?utf-8?q?Re:_hello?=", "Re: [x] hello");
	assert_tagged_means("=?utf-8?q?=5Bx=5D_caf=C3=A9?=", "[x] caf\xc3\xa9");
	assert_tagged_means("=?utf-8?q?AW:_AW:_=5Bx=5D?= =?utf-8?q?_caf=C3=A9?=",
			    "Re: [x] caf\xc3\xa9");
	assert_tagged_means("Re: =?utf-8?q?Re:_w=C3=B6rld_?= [x]",
			    "Re: [x] w\xc3\xb6rld");
}

static void subject_idempotent(void **state)
{
	static const char *const raws[] = {
		"hello", "Re: hello", "Re: [x] Re: [x] hi", "[x] Re: hi",
		"AW: SV: [X] hallo", "Fwd: [x] fwd", "", "Re:", "[x]",
		"=?utf-8?q?caf=C3=A9?=", "=?utf-8?q?Re:_[x]_caf=C3=A9?=",
		"=?utf-8?q?hello_?= =?utf-8?q?w=C3=B6rld?=",
		"Re: =?utf-8?q?Re:_w=C3=B6rld_?= [x]",
		"a long subject\r\n folded over two lines",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(raws); i++) {
		char *once = tagged(raws[i]), *twice = tagged(once);

		assert_string_equal(twice, once);
		free(once);
		free(twice);
	}
}

/* ---- listcopy_build: headers ---- */

static const struct listcopy_opts opts = { TAG, NULL, LIST_HEADERS };

static void build_ok(const char *msg, const struct listcopy_opts *o,
		     struct buf *out)
{
	struct buf err = BUF_INIT;

	buf_reset(out);
	assert_int_equal(listcopy_build(msg, strlen(msg), o, out, &err), 0);
	assert_int_equal(err.len, 0);
	buf_release(&err);
}

static void headers_replaced(void **state)
{
	static const char msg[] =
		"Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n"
		"From: \"A, B\" <a@example.org>\r\n"
		"list-id: Other list <other.example.net>\r\n"
		"Message-ID: <1@example.org>\r\n"
		"Subject: Re: hello\r\n"
		"References: <0@example.org>\r\n  <00@example.org>\r\n"
		"Precedence: bulk\r\n"
		"LIST-POST: <mailto:other@example.net>\r\n"
		"In-Reply-To: <0@example.org>\r\n"
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		"\r\n"
		"body\r\n";
	static const char want[] =
		"Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n"
		"From: \"A, B\" <a@example.org>\r\n"
		"Message-ID: <1@example.org>\r\n"
		"Subject: Re: [x] hello\r\n"
		"References: <0@example.org>\r\n  <00@example.org>\r\n"
		"In-Reply-To: <0@example.org>\r\n"
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		LIST_HEADERS
		"\r\n"
		"body\r\n";
	struct buf out = BUF_INIT;

	(void)state;
	build_ok(msg, &opts, &out);
	assert_string_equal(out.data, want);
	assert_int_equal(count(out.data, "List-Id:"), 1);
	buf_release(&out);
}

static void headers_subject_kept_or_added(void **state)
{
	static const char canonical[] = "From: a@example.org\r\n"
		"Subject:   Re: [x]\r\n hello\r\n\r\nbody\r\n";
	struct buf out = BUF_INIT;
	struct listcopy_opts o = opts;

	(void)state;
	/* Already canonical: the field keeps its bytes, folding included. */
	build_ok(canonical, &opts, &out);
	assert_non_null(strstr(out.data, "Subject:   Re: [x]\r\n hello\r\n"));
	/* No Subject: one carrying the tag is added. */
	build_ok("From: a@example.org\r\n\r\nbody\r\n", &opts, &out);
	assert_field(out.data, "Subject", " [x]");
	/* No tag: the Subject stays as it was. */
	o.subject_tag = NULL;
	build_ok("Subject: Re: Re: hi\r\n\r\nbody\r\n", &o, &out);
	assert_string_equal(out.data,
			    "Subject: Re: Re: hi\r\n" LIST_HEADERS "\r\nbody\r\n");
	buf_release(&out);
}

static void headers_bytes_preserved(void **state)
{
	/* 8-bit and NUL bytes, odd spacing, LF-only continuation, a body
	 * without a final line end: all as received. */
	static const char msg[] = "X-Odd:  \xff\xfe value  \r\n"
				  "X-Fold: a\r\n\t\tb\r\n"
				  "Subject: hi\r\n"
				  "\r\n"
				  "line\x01\r\n\xe9t\xe9\r\nno end";
	static const char want[] = "X-Odd:  \xff\xfe value  \r\n"
				   "X-Fold: a\r\n\t\tb\r\n"
				   "Subject: [x] hi\r\n"
				   LIST_HEADERS
				   "\r\n"
				   "line\x01\r\n\xe9t\xe9\r\nno end";
	struct buf out = BUF_INIT, err = BUF_INIT;
	size_t len = sizeof(msg) - 1;
	char *nul = xmalloc(len + 6);

	(void)state;
	build_ok(msg, &opts, &out);
	assert_string_equal(out.data, want);
	/* A NUL in the body goes through too. */
	memcpy(nul, msg, len);
	memcpy(nul + len, "\0tail", 6);
	buf_reset(&out);
	assert_int_equal(listcopy_build(nul, len + 5, &opts, &out, &err), 0);
	assert_int_equal(out.len, sizeof(want) - 1 + 5);
	assert_memory_equal(out.data + out.len - 5, "\0tail", 5);
	free(nul);
	buf_release(&out);
	buf_release(&err);
}

static void headers_broken_block(void **state)
{
	/* A line that is no field ends the header block (as in Python's
	 * parser): new fields go before it, it stays where it is. */
	static const char msg[] = "From: a@example.org\r\n"
				  "Subject: hi\r\n"
				  "not a header line\r\n"
				  "List-Id: <looks.like.one>\r\n\r\nbody\r\n";
	static const char want[] = "From: a@example.org\r\n"
				   "Subject: [x] hi\r\n"
				   LIST_HEADERS
				   "not a header line\r\n"
				   "List-Id: <looks.like.one>\r\n\r\nbody\r\n";
	struct buf out = BUF_INIT;

	(void)state;
	build_ok(msg, &opts, &out);
	assert_string_equal(out.data, want);
	/* Header only, no empty line, last line cut short. */
	build_ok("Subject: hi", &opts, &out);
	assert_string_equal(out.data, "Subject: [x] hi\r\n" LIST_HEADERS);
	buf_release(&out);
}

static void headers_lf_add_lines(void **state)
{
	struct listcopy_opts o = { NULL, NULL, "List-Id: <x>\nPrecedence: list" };
	struct buf out = BUF_INIT;

	(void)state;
	build_ok("From: a\r\n\r\nb\r\n", &o, &out);
	assert_string_equal(out.data,
			    "From: a\r\nList-Id: <x>\r\nPrecedence: list\r\n\r\nb\r\n");
	buf_release(&out);
}

static void no_header_block(void **state)
{
	static const char *const bad[] = {
		"", "\r\nbody\r\n", "hello world\r\n\r\nbody\r\n",
		" continued: x\r\n\r\n", ": no name\r\n\r\n",
		"From a@b Mon Jan 1 00:00:00 2024\r\nSubject: x\r\n\r\n",
	};
	struct buf out = BUF_INIT, err = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&err);
		assert_int_equal(listcopy_build(bad[i], strlen(bad[i]), &opts,
						&out, &err), -1);
		assert_true(err.len > 0);
		assert_int_equal(footer_add(bad[i], strlen(bad[i]), "f", &out),
				 -1);
	}
	assert_int_equal(out.len, 0);
	buf_release(&out);
	buf_release(&err);
}

/* ---- footer_add ---- */

#define HDR "From: a@example.org\r\nSubject: hi\r\n"

static void footer_7bit(void **state)
{
	static const char msg[] = HDR "MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=us-ascii; format=flowed\r\n"
		"Content-Transfer-Encoding: 7bit\r\n\r\nHello.\r\n";
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(footer(msg, "-- \nlist footer\n", &out), 1);
	assert_string_equal(out.data, HDR "MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=us-ascii; format=flowed\r\n"
		"Content-Transfer-Encoding: 7bit\r\n\r\n"
		"Hello.\r\n-- \r\nlist footer\r\n");
	/* No final line end in the body or the footer text: both get one. */
	assert_int_equal(footer(HDR "\r\nHello.", "foot", &out), 1);
	assert_string_equal(out.data, HDR "\r\nHello.\r\nfoot\r\n");
	/* No body, no empty line. */
	assert_int_equal(footer(HDR, "foot", &out), 1);
	assert_string_equal(out.data, HDR "\r\nfoot\r\n");
	buf_release(&out);
}

static void footer_7bit_to_utf8(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	/* No Content-Type at all and a footer US-ASCII cannot hold. */
	assert_int_equal(footer(HDR "\r\nHello.\r\n", "caf\xc3\xa9", &out), 1);
	assert_string_equal(out.data, HDR "MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\nHello.\r\ncaf\xc3\xa9\r\n");
	/* US-ASCII with 7bit: charset and encoding say what is there now. */
	assert_int_equal(footer(HDR "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
				"Content-Transfer-Encoding: 7bit\r\n\r\nHi\r\n",
				CN, &out), 1);
	assert_string_equal(out.data, HDR
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\n\r\nHi\r\n" CN "\r\n");
	buf_release(&out);
}

static void footer_latin1_fits(void **state)
{
	static const char head[] = HDR
		"Content-Type: text/plain; charset=ISO-8859-1\r\n"
		"Content-Transfer-Encoding: 8bit\r\n\r\n";
	struct buf msg = BUF_INIT, out = BUF_INIT;

	(void)state;
	buf_printf(&msg, "%sCaf\xe9 cr\xe8me\r\n", head);
	assert_int_equal(footer(msg.data, "-- \nLa liste du caf\xc3\xa9\n", &out), 1);
	/* The part stays Latin-1: the footer is written in it. */
	assert_int_equal(strncmp(out.data, msg.data, msg.len), 0);
	assert_string_equal(out.data + msg.len, "-- \r\nLa liste du caf\xe9\r\n");
	buf_release(&msg);
	buf_release(&out);
}

static void footer_latin1_does_not_fit(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(footer(HDR
		"Content-Type: text/plain; charset=ISO-8859-1; format=flowed\r\n"
		"Content-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9\r\n",
		"-- \n" CN "\n", &out), 1);
	/* The text is UTF-8 now, and the charset parameter says so in place. */
	assert_string_equal(out.data, HDR
		"Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
		"Content-Transfer-Encoding: 8bit\r\n\r\n"
		"Caf\xc3\xa9\r\n-- \r\n" CN "\r\n");
	/* RFC 2231 charset parameters are replaced too. */
	assert_int_equal(footer(HDR "Content-Type: text/plain;\r\n"
				" charset*=''iso-8859-1; name=\"a\"\r\n\r\n\xe9\r\n",
				CN, &out), 1);
	assert_non_null(strstr(out.data, "Content-Type: text/plain;\r\n"
			       " charset=utf-8; name=\"a\"\r\n"));
	assert_non_null(strstr(out.data, "\r\n\r\n\xc3\xa9\r\n" CN "\r\n"));
	buf_release(&out);
}

static void footer_qp(void **state)
{
	/* A long line with soft breaks and an encoded character. */
	static const char body[] =
		"This line is long enough that it was broken with soft line =\r\n"
		"breaks by the sender, and it has an =E9 in it; and it goes on =\r\n"
		"a bit.\r\n";
	struct buf msg = BUF_INIT, out = BUF_INIT, text = BUF_INIT;
	const char *b;

	(void)state;
	buf_printf(&msg, HDR "Content-Type: text/plain; charset=iso-8859-1\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s", body);
	assert_int_equal(footer(msg.data, "-- \nLa liste du caf\xc3\xa9, "
				"with a footer line long enough to need a soft "
				"line break in quoted-printable\n", &out), 1);
	/* The original bytes stay; the footer follows in quoted-printable. */
	assert_int_equal(strncmp(out.data, msg.data, msg.len), 0);
	b = body_of(out.data);
	assert_lines_max(b, 76);
	qp_decode(b, strlen(b), &text);
	assert_string_equal(text.data,
		"This line is long enough that it was broken with soft line "
		"breaks by the sender, and it has an \xe9 in it; and it goes on "
		"a bit.\r\n-- \r\nLa liste du caf\xe9, with a footer line long "
		"enough to need a soft line break in quoted-printable\r\n");
	assert_field(out.data, "Content-Transfer-Encoding", " quoted-printable");
	buf_release(&msg);
	buf_release(&out);
	buf_release(&text);
}

static void footer_qp_soft_break_at_end(void **state)
{
	struct buf out = BUF_INIT, text = BUF_INIT;
	const char *b;

	(void)state;
	assert_int_equal(footer(HDR "Content-Transfer-Encoding: quoted-printable\r\n"
				"\r\nno hard break at the end=\r\n", "foot", &out), 1);
	b = body_of(out.data);
	qp_decode(b, strlen(b), &text);
	assert_string_equal(text.data, "no hard break at the end\r\nfoot\r\n");
	buf_release(&out);
	buf_release(&text);
}

static void footer_qp_converted(void **state)
{
	struct buf out = BUF_INIT, text = BUF_INIT;
	const char *b;

	(void)state;
	assert_int_equal(footer(HDR "Content-Type: text/plain; charset=iso-8859-1\r\n"
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
				"Caf=E9 au =\r\nlait\r\n", CN, &out), 1);
	assert_field(out.data, "Content-Type", " text/plain; charset=utf-8");
	assert_field(out.data, "Content-Transfer-Encoding", " quoted-printable");
	b = body_of(out.data);
	assert_false(has_8bit_in(b));
	qp_decode(b, strlen(b), &text);
	assert_string_equal(text.data, "Caf\xc3\xa9 au lait\r\n" CN "\r\n");
	buf_release(&out);
	buf_release(&text);
}

static void footer_base64(void **state)
{
	struct buf msg = BUF_INIT, out = BUF_INIT, text = BUF_INIT, enc = BUF_INIT;
	const char *b;

	(void)state;
	/* UTF-8 text in base64: the footer fits, so no conversion. */
	base64_encode("Gr\xc3\xbc\xc3\x9f" "e\r\n", 9, &enc);
	buf_printf(&msg, HDR "Content-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\n%s", enc.data);
	assert_int_equal(footer(msg.data, "-- \n" CN "\n", &out), 1);
	assert_field(out.data, "Content-Transfer-Encoding", " base64");
	assert_field(out.data, "Content-Type", " text/plain; charset=utf-8");
	b = body_of(out.data);
	assert_lines_max(b, 76);
	base64_decode(b, strlen(b), &text);
	assert_string_equal(text.data, "Gr\xc3\xbc\xc3\x9f" "e\r\n-- \r\n" CN "\r\n");
	/* LF-only text in base64 gets an LF-only footer. */
	buf_reset(&msg);
	buf_reset(&enc);
	buf_reset(&text);
	base64_encode("one\ntwo", 7, &enc);
	buf_printf(&msg, HDR "Content-Transfer-Encoding: base64\r\n\r\n%s",
		   enc.data);
	assert_int_equal(footer(msg.data, "a\nb\n", &out), 1);
	b = body_of(out.data);
	base64_decode(b, strlen(b), &text);
	assert_string_equal(text.data, "one\ntwo\na\nb\n");
	buf_release(&msg);
	buf_release(&out);
	buf_release(&text);
	buf_release(&enc);
}

static const char mixed[] =
	HDR "MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	"preamble\r\n"
	"--b1\r\nContent-Type: text/plain\r\n\r\ntext\r\n"
	"--b1\r\nContent-Type: application/octet-stream\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"
	"--b1--\r\n"
	"epilogue\r\n";

static void footer_mixed(void **state)
{
	struct buf out = BUF_INIT;
	const char *ins = strstr(mixed, "\r\n--b1--");
	size_t at = (size_t)(ins - mixed);
	static const char part[] =
		"\r\n--b1\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"Content-Disposition: inline\r\n\r\n"
		"-- \r\nfoot\r\n";

	(void)state;
	assert_int_equal(footer(mixed, "-- \nfoot\n", &out), 1);
	/* Everything as it was, with one part inserted before the close
	 * delimiter's line end. */
	assert_int_equal(out.len, sizeof(mixed) - 1 + sizeof(part) - 1);
	assert_memory_equal(out.data, mixed, at);
	assert_memory_equal(out.data + at, part, sizeof(part) - 1);
	assert_string_equal(out.data + at + sizeof(part) - 1, mixed + at);
	/* A non-ASCII footer goes in quoted-printable. */
	assert_int_equal(footer(mixed, CN, &out), 1);
	assert_non_null(strstr(out.data, "Content-Transfer-Encoding: "
			       "quoted-printable\r\nContent-Disposition: inline\r\n"
			       "\r\n=E4=B8=AD=E6=96=87\r\n\r\n--b1--\r\n"));
	buf_release(&out);
}

static void footer_mixed_broken(void **state)
{
	struct buf out = BUF_INIT;
	static const char *const broken[] = {
		/* no close delimiter */
		HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\n\r\ntext\r\n",
		/* no opening delimiter */
		HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"text\r\n--b--\r\n",
		/* no boundary */
		HDR "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		/* a delimiter look-alike only */
		HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\n\r\ntext\r\n--bb--\r\n",
		/* not type/subtype */
		HDR "Content-Type: text\r\n\r\nhello\r\n",
		/* a transfer encoding we cannot write */
		HDR "Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(broken); i++) {
		assert_int_equal(footer(broken[i], "foot", &out), 0);
		assert_string_equal(out.data, broken[i]);
	}
	buf_release(&out);
}

static void assert_wrapped(const char *msg, const char *out,
			   const char *content_fields)
{
	const char *body = body_of(msg), *ct = strstr(out, "Content-Type: "
						     "multipart/mixed; boundary=\"");
	char boundary[80], *q;
	struct buf inner = BUF_INIT;

	assert_non_null(ct);
	ct += strlen("Content-Type: multipart/mixed; boundary=\"");
	q = strchr(ct, '"');
	assert_non_null(q);
	assert_true((size_t)(q - ct) < sizeof(boundary));
	memcpy(boundary, ct, (size_t)(q - ct));
	boundary[q - ct] = '\0';
	/* A boundary that occurs nowhere in the original. */
	assert_null(strstr(msg, boundary));
	/* The first part: the original Content-* fields and body as they
	 * were; then the footer part; then the close delimiter. */
	buf_printf(&inner, "\r\n\r\n--%s\r\n%s\r\n%s\r\n--%s\r\n"
		   "Content-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: 7bit\r\n"
		   "Content-Disposition: inline\r\n\r\nfoot\r\n\r\n--%s--\r\n",
		   boundary, content_fields, body, boundary, boundary);
	assert_non_null(strstr(out, inner.data));
	assert_int_equal(count(out, "Content-Type:"),
			 count(msg, "Content-Type:") + 2);
	assert_int_equal(count(out, "MIME-Version:"), 1);
	buf_release(&inner);
}

static void footer_alternative(void **state)
{
	static const char fields[] =
		"Content-Type: multipart/alternative;\r\n boundary=\"alt\"\r\n"
		"Content-Transfer-Encoding: 7bit\r\n";
	static const char msg[] = HDR "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/alternative;\r\n boundary=\"alt\"\r\n"
		"X-After: kept\r\n"
		"Content-Transfer-Encoding: 7bit\r\n\r\n"
		"--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
		"--alt\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
		"--alt--\r\n";
	static const char top[] = HDR "MIME-Version: 1.0\r\n"
		"X-After: kept\r\n"
		"Content-Type: multipart/mixed; boundary=\"";
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(footer(msg, "foot", &out), 1);
	/* The top header keeps its other fields, in order. */
	assert_int_equal(strncmp(out.data, top, strlen(top)), 0);
	assert_wrapped(msg, out.data, fields);
	buf_release(&out);
}

static void footer_html_only(void **state)
{
	static const char msg[] = HDR
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		"<p>caf=C3=A9</p>\r\n";
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(footer(msg, "foot", &out), 1);
	/* Without MIME-Version before, with it now. */
	assert_non_null(strstr(out.data, HDR "MIME-Version: 1.0\r\n"));
	assert_wrapped(msg, out.data,
		       "Content-Type: text/html; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n");
	/* A text/plain attachment is not written into either. */
	assert_int_equal(footer(HDR "Content-Disposition: attachment; "
				"filename=a.txt\r\n\r\ndata\r\n", "foot", &out), 1);
	assert_wrapped(HDR "Content-Disposition: attachment; filename=a.txt\r\n"
		       "\r\ndata\r\n", out.data,
		       "Content-Disposition: attachment; filename=a.txt\r\n");
	buf_release(&out);
}

static void footer_signed_or_encrypted(void **state)
{
	static const char *const msgs[] = {
		HDR "Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
		" protocol=\"application/pgp-signature\"; boundary=\"s\"\r\n\r\n"
		"--s\r\nContent-Type: text/plain\r\n\r\nsigned\r\n"
		"--s\r\nContent-Type: application/pgp-signature\r\n\r\nsig\r\n"
		"--s--\r\n",
		HDR "Content-Type: Multipart/Encrypted; boundary=e;\r\n"
		" protocol=\"application/pgp-encrypted\"\r\n\r\n"
		"--e\r\nContent-Type: application/pgp-encrypted\r\n\r\n"
		"Version: 1\r\n--e\r\n"
		"Content-Type: application/octet-stream\r\n\r\nxx\r\n--e--\r\n",
		HDR "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n",
	};
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		assert_int_equal(footer(msgs[i], "foot", &out), 0);
		assert_string_equal(out.data, msgs[i]);
	}
	buf_release(&out);
}

static void footer_through_build(void **state)
{
	static const char msg[] = "Subject: =?utf-8?q?caf=C3=A9?=\r\n"
		"List-Id: <old>\r\n"
		"Content-Type: text/plain; charset=iso-8859-1\r\n"
		"\r\ncaf\xe9\r\n";
	struct listcopy_opts o = { TAG, "-- \n" CN "\n", LIST_HEADERS };
	struct buf out = BUF_INIT;

	(void)state;
	build_ok(msg, &o, &out);
	assert_string_equal(out.data,
		"Subject: [x] =?utf-8?q?caf=C3=A9?=\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		LIST_HEADERS
		"MIME-Version: 1.0\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\ncaf\xc3\xa9\r\n-- \r\n" CN "\r\n");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subject_plain),
		cmocka_unit_test(subject_reply_chains),
		cmocka_unit_test(subject_other_languages),
		cmocka_unit_test(subject_tag_present),
		cmocka_unit_test(subject_no_tag),
		cmocka_unit_test(subject_encoded_words),
		cmocka_unit_test(subject_adjacent_encoded_words),
		cmocka_unit_test(subject_encoded_prefixes),
		cmocka_unit_test(subject_idempotent),
		cmocka_unit_test(headers_replaced),
		cmocka_unit_test(headers_subject_kept_or_added),
		cmocka_unit_test(headers_bytes_preserved),
		cmocka_unit_test(headers_broken_block),
		cmocka_unit_test(headers_lf_add_lines),
		cmocka_unit_test(no_header_block),
		cmocka_unit_test(footer_7bit),
		cmocka_unit_test(footer_7bit_to_utf8),
		cmocka_unit_test(footer_latin1_fits),
		cmocka_unit_test(footer_latin1_does_not_fit),
		cmocka_unit_test(footer_qp),
		cmocka_unit_test(footer_qp_soft_break_at_end),
		cmocka_unit_test(footer_qp_converted),
		cmocka_unit_test(footer_base64),
		cmocka_unit_test(footer_mixed),
		cmocka_unit_test(footer_mixed_broken),
		cmocka_unit_test(footer_alternative),
		cmocka_unit_test(footer_html_only),
		cmocka_unit_test(footer_signed_or_encrypted),
		cmocka_unit_test(footer_through_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
