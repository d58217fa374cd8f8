/* decode.h: turning mail's encodings into UTF-8 text: charsets (iconv),
 * quoted-printable, base64, RFC 2047 encoded words and RFC 2231 parameters
 * (libetpan has no RFC 2231 decoder).  Every function here is bounded by its
 * input length, never trusts declared sizes, and degrades visibly (U+FFFD)
 * on bad input instead of failing. */
#ifndef CONFER_DECODE_H
#define CONFER_DECODE_H

#include <stddef.h>

#include "core/buf.h"

/* Appends `len` bytes of text in `charset` to `out` as valid UTF-8.  An
 * unknown charset (and 8-bit bytes in us-ascii) is read as UTF-8 where the
 * bytes are valid UTF-8 and as windows-1252 elsewhere; invalid sequences in
 * a known charset become U+FFFD.  NUL bytes are dropped.  Returns 0 when the
 * charset was known and the input clean, 1 when it degraded. */
int charset_to_utf8(const char *charset, const char *in, size_t len,
		    struct buf *out);

/* Converts UTF-8 text to `charset`.  Returns 0 on success, -1 when some
 * character cannot be written in that charset (out is then unspecified). */
int utf8_to_charset(const char *charset, const char *in, size_t len,
		    struct buf *out);

/* Is this valid UTF-8 (no overlongs, no surrogates)? */
int utf8_valid(const char *s, size_t len);

/* Length (1-4) of the valid UTF-8 sequence that starts s, or 0 when the
 * bytes there are not one (or len is 0). */
size_t utf8_seqlen(const char *s, size_t len);

/* Appends code point cp as UTF-8; surrogates and values past U+10FFFF
 * become U+FFFD. */
void utf8_put(struct buf *out, unsigned long cp);

/* Appends s with NUL bytes dropped and each byte that does not belong to
 * a valid sequence replaced by U+FFFD.  Returns the number replaced. */
size_t utf8_sanitize(const char *s, size_t len, struct buf *out);

/* The byte written as two hex digits at s (either case), or -1. */
int hex_pair(const char *s, size_t len);

/* Appends the decoded bytes. Bad input is skipped, never fatal.
 * qp_decode keeps hard line breaks as written (CRLF or LF), takes soft
 * breaks with blanks after the '=' and hex in either case, and leaves a
 * bad escape as written.  base64_decode skips what is not base64, ends a
 * quantum at each '=' (concatenated blocks decode) and accepts missing
 * padding. */
void qp_decode(const char *in, size_t len, struct buf *out);
void base64_decode(const char *in, size_t len, struct buf *out);
/* Encoders for what confer writes: lines of at most 76 characters, CRLF.
 * qp_encode takes CRLF or LF in the input as a hard line break (written
 * CRLF); it escapes trailing blanks, a leading "." and "From ".
 * base64_encode ends every line, the last one included, with CRLF. */
void qp_encode(const char *in, size_t len, struct buf *out);
void base64_encode(const char *in, size_t len, struct buf *out);
/* Base64 on one line with no line break (for RFC 2047 words). */
void base64_encode_line(const char *in, size_t len, struct buf *out);

/* Decodes an unstructured header value (folded or not) into UTF-8: RFC 2047
 * encoded words (B and Q, any charset, white space between adjacent encoded
 * words dropped), raw 8-bit text read as UTF-8 or windows-1252, folding
 * CRLF and any lone CR or LF turned into a space.  Adjacent words in one
 * charset are converted together (a character split between them
 * survives); control characters become spaces; malformed words stay
 * visible as written. */
void header_decode(const char *raw, size_t len, struct buf *out);

/* Encodes UTF-8 text as a header value (RFC 2047 B or Q words where needed,
 * plain ASCII words left as they are), folded for a header whose name takes
 * `name_len` characters; folds are CRLF plus a blank, encoded words are
 * UTF-8 and never split a character.  Pure ASCII input is copied unchanged
 * (ASCII holding control characters or "=?", which readers would take for
 * an encoded word, is encoded).  With a name over some 45 characters the
 * first line may pass 76. */
void header_encode(const char *utf8, size_t len, size_t name_len,
		   struct buf *out);

/* Finds parameter `name` in a Content-Type or Content-Disposition value
 * (everything after the colon) and appends its value as UTF-8: handles
 * quoted strings, RFC 2231 continuations (name*0, name*1*) and charsets
 * (name*=utf-8''...), and RFC 2047 words inside quoted values as many
 * mailers send them; an RFC 2231 form wins over a plain value given
 * alongside.  The value comes out with control characters as spaces.
 * Returns 0 when found, -1 when absent. */
int mime_param_get(const char *value, const char *name, struct buf *out);

#endif
