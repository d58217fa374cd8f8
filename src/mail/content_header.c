/* content_header.c: the header fields a reader sees (Subject, From, Date,
 * Message-ID, In-Reply-To, References), decoded to clean UTF-8.  libetpan
 * parses addresses and dates; everything it is handed has been checked
 * against what makes it recurse without bound. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "core/buf.h"
#include "mail/content.h"
#include "mail/content_priv.h"
#include "mail/decode.h"
#include "core/util.h"

#define MSGID_MAX 998 /* RFC 5322 line length limit */

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- finding fields ---- */

size_t content_header_len(const char *msg, size_t len)
{
	size_t i = 0;
	const char *nl;

	if (len && msg[0] == '\n')
		return 1;
	if (len > 1 && msg[0] == '\r' && msg[1] == '\n')
		return 2;
	while (i < len && (nl = memchr(msg + i, '\n', len - i)) != NULL) {
		i = (size_t)(nl - msg) + 1;
		if (i < len && msg[i] == '\n')
			return i + 1;
		if (i + 1 < len && msg[i] == '\r' && msg[i + 1] == '\n')
			return i + 2;
	}
	return len;
}

static size_t line_end(const char *s, size_t len, size_t i)
{
	const char *nl = memchr(s + i, '\n', len - i);

	return nl ? (size_t)(nl - s) : len;
}

/* Does the field line at s[i..e) have name `name`?  Sets *value to the
 * index after the colon. */
static int field_is(const char *s, size_t i, size_t e, const char *name,
		    size_t *value)
{
	size_t j = i, nl = strlen(name);

	while (j < e && s[j] != ':' && !is_wsp(s[j]))
		j++;
	if (j - i != nl || ascii_ncasecmp(s + i, name, nl))
		return 0;
	while (j < e && is_wsp(s[j])) /* obsolete "Name :" (RFC 5322 4.5) */
		j++;
	if (j >= e || s[j] != ':')
		return 0;
	*value = j + 1;
	return 1;
}

int content_header_raw(const char *hdr, size_t len, const char *name,
		       struct buf *out)
{
	size_t i = 0, e, v, end;

	while (i < len) {
		e = line_end(hdr, len, i);
		if (e == i || (e == i + 1 && hdr[i] == '\r'))
			return -1; /* the empty line: end of the header */
		if (!is_wsp(hdr[i]) && field_is(hdr, i, e, name, &v)) {
			end = e;
			while (end + 1 < len && is_wsp(hdr[end + 1]))
				end = line_end(hdr, len, end + 1);
			while (v < end && is_wsp(hdr[v]))
				v++;
			while (end > v && (hdr[end - 1] == '\r' || hdr[end - 1] == '\n'))
				end--;
			buf_add(out, hdr + v, end - v);
			return 0;
		}
		i = e + 1;
	}
	return -1;
}

int content_parens_ok(const char *s, size_t len, size_t max)
{
	size_t i, depth = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && i + 1 < len && !is_wsp(s[i + 1]))
			depth = 0; /* a new field: comments cannot span it */
		else if (s[i] == '\\')
			i++;
		else if (s[i] == '(' && ++depth > max)
			return 0;
		else if (s[i] == ')' && depth > 0)
			depth--;
	}
	return 1;
}

/* ---- cleaning ---- */

/* Header text for showing: valid UTF-8, controls as blanks, trimmed. */
static char *clean_text(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i, start = 0;

	utf8_sanitize(s, n, &b);
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7F)
			b.data[i] = ' ';
	buf_rtrim(&b);
	while (start < b.len && b.data[start] == ' ')
		start++;
	if (start) {
		memmove(b.data, b.data + start, b.len - start);
		buf_setlen(&b, b.len - start);
	}
	return buf_detach(&b, NULL);
}

static char *decoded_field(const char *hdr, size_t len, const char *name)
{
	struct buf raw = BUF_INIT, dec = BUF_INIT;
	char *r;

	if (content_header_raw(hdr, len, name, &raw) == 0)
		header_decode(raw.data, raw.len, &dec);
	r = clean_text(dec.data, dec.len);
	buf_release(&raw);
	buf_release(&dec);
	return r;
}

/* ---- From ---- */

/* An addr-spec worth keeping: something@something, no blanks, brackets
 * or controls, valid UTF-8 (internationalised addresses are kept). */
static int addr_usable(const char *a, size_t n)
{
	const char *at = n ? memchr(a, '@', n) : NULL;
	size_t i;

	if (!at || at == a || at == a + n - 1 || !utf8_valid(a, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 0x7F ||
		    strchr("<>(),;\"\\", a[i]) != NULL)
			return 0;
	return 1;
}

/* Old style "addr (Full Name)": the comment is the name. */
static void comment_name(const char *v, size_t n, struct buf *name)
{
	const char *open = memchr(v, '(', n), *close;

	if (!open)
		return;
	close = memchr(open, ')', n - (size_t)(open - v));
	if (close)
		header_decode(open + 1, (size_t)(close - open - 1), name);
}

/* Our own reading when libetpan finds no mailbox: "<addr>" anywhere, or
 * the first word with an '@'. */
static void from_fallback(const char *v, size_t n, struct buf *name,
			  struct buf *addr)
{
	const char *lt = NULL, *gt, *p, *w;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == '<')
			lt = v + i;
	if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL) {
		p = lt + 1;
		if (*p == '@' && (w = memchr(p, ':', (size_t)(gt - p))))
			p = w + 1; /* obsolete source route "<@a:b@c>" */
		buf_add(addr, p, (size_t)(gt - p));
		header_decode(v, (size_t)(lt - v), name);
		return;
	}
	for (i = 0; i < n; i = (size_t)(p - v)) {
		while (i < n && (is_wsp(v[i]) || v[i] == ',' || v[i] == '"'))
			i++;
		for (p = v + i; p < v + n && !is_wsp(*p) && *p != ',' && *p != '"'; p++)
			;
		if (memchr(v + i, '@', (size_t)(p - v) - i)) {
			buf_add(addr, v + i, (size_t)(p - v) - i);
			break;
		}
		if (p == v + i)
			p++;
	}
	comment_name(v, n, name);
}

static void from_etpan(const char *v, size_t n, struct buf *name,
		       struct buf *addr)
{
	struct mailimf_mailbox_list *list = NULL;
	struct mailimf_mailbox *mb;
	size_t idx = 0;

	if (!content_parens_ok(v, n, CONTENT_PAREN_MAX) ||
	    mailimf_mailbox_list_parse(v, n, &idx, &list) != MAILIMF_NO_ERROR)
		return;
	if (list && list->mb_list && clist_begin(list->mb_list)) {
		mb = clist_content(clist_begin(list->mb_list));
		if (mb->mb_addr_spec)
			buf_adds(addr, mb->mb_addr_spec);
		if (mb->mb_display_name)
			header_decode(mb->mb_display_name,
				      strlen(mb->mb_display_name), name);
	}
	if (list)
		mailimf_mailbox_list_free(list);
}

/* Strips one pair of quotes left around a decoded name (libetpan keeps
 * them when the quoted string holds encoded words). */
static char *name_finish(struct buf *name)
{
	char *r = clean_text(name->data, name->len);
	size_t n = strlen(r);

	if (n >= 2 && r[0] == '"' && r[n - 1] == '"') {
		memmove(r, r + 1, n - 2);
		r[n - 2] = '\0';
	}
	return r;
}

static void from_read(const char *hdr, size_t len, char **name_out,
		      char **addr_out)
{
	struct buf raw = BUF_INIT, name = BUF_INIT, addr = BUF_INIT;

	if (content_header_raw(hdr, len, "From", &raw) == 0) {
		from_etpan(raw.data, raw.len, &name, &addr);
		if (!addr_usable(addr.data, addr.len)) {
			buf_reset(&name);
			buf_reset(&addr);
			from_fallback(raw.data, raw.len, &name, &addr);
		}
		if (!name.len)
			comment_name(raw.data, raw.len, &name);
		/* No address at all: the whole field is the best name. */
		if (!name.len && !addr_usable(addr.data, addr.len))
			header_decode(raw.data, raw.len, &name);
	}
	*addr_out = addr_usable(addr.data, addr.len) ?
			    xstrndup(addr.data, addr.len) : xstrdup("");
	*name_out = name_finish(&name);
	buf_release(&raw);
	buf_release(&name);
	buf_release(&addr);
}

/* ---- Message-ID and friends ---- */

/* The id inside the first "<...>", or the first word when there are no
 * brackets; blanks from folding removed.  NULL when nothing is left. */
static char *msgid_read(const char *hdr, size_t len)
{
	struct buf raw = BUF_INIT, id = BUF_INIT;
	const char *s, *e, *lt;
	char *r = NULL;
	size_t i;

	if (content_header_raw(hdr, len, "Message-ID", &raw) == 0) {
		s = raw.data;
		e = raw.data + raw.len;
		if ((lt = memchr(s, '<', raw.len)) != NULL) {
			s = lt + 1;
			e = memchr(s, '>', (size_t)(raw.data + raw.len - s));
			if (!e)
				e = raw.data + raw.len;
		} else {
			for (e = s; e < raw.data + raw.len && (unsigned char)*e > ' '; e++)
				;
		}
		for (i = 0; s + i < e && id.len < MSGID_MAX; i++)
			if ((unsigned char)s[i] > ' ' && s[i] != 0x7F)
				buf_addc(&id, s[i]);
		if (id.len)
			r = clean_text(id.data, id.len);
	}
	buf_release(&raw);
	buf_release(&id);
	return r;
}

/* A field's raw value, unfolded and made safe UTF-8; NULL if absent. */
static char *raw_field(const char *hdr, size_t len, const char *name)
{
	struct buf raw = BUF_INIT, unfolded = BUF_INIT;
	char *r = NULL;
	size_t i;

	if (content_header_raw(hdr, len, name, &raw) == 0) {
		for (i = 0; i < raw.len; i++)
			if (raw.data[i] != '\r' && raw.data[i] != '\n')
				buf_addc(&unfolded, raw.data[i]);
		r = clean_text(unfolded.data, unfolded.len);
	}
	buf_release(&raw);
	buf_release(&unfolded);
	return r;
}

/* ---- Date ---- */

static long zone_named(const char *z, size_t n)
{
	static const struct {
		const char *name;
		int minutes;
	} zones[] = {
		/* RFC 5322 section 4.3, then ones seen in real mail. */
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
		{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 },
		{ "CDT", -300 }, { "MST", -420 }, { "MDT", -360 },
		{ "PST", -480 }, { "PDT", -420 }, { "CET", 60 },
		{ "CEST", 120 }, { "MET", 60 }, { "MEST", 120 }, { "BST", 60 },
		{ "EET", 120 }, { "EEST", 180 }, { "JST", 540 }, { "KST", 540 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(zones); i++)
		if (strlen(zones[i].name) == n && !ascii_ncasecmp(zones[i].name, z, n))
			return zones[i].minutes * 60L;
	return 0; /* unknown, or military: RFC 5322 says read as +0000 */
}

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The zone after the time of day, in seconds east of UTC.  libetpan's
 * own reading gets "UT" and "+01:00" wrong, so the text is read here. */
static long zone_offset(const char *v, size_t n)
{
	size_t i, j;
	long h, m;

	for (i = 1; i + 1 < n; i++)
		if (v[i] == ':' && v[i - 1] >= '0' && v[i - 1] <= '9' &&
		    v[i + 1] >= '0' && v[i + 1] <= '9')
			break;
	while (i < n && ((v[i] >= '0' && v[i] <= '9') || v[i] == ':'))
		i++;
	while (i < n && is_wsp(v[i]))
		i++;
	if (i < n && (v[i] == '+' || v[i] == '-')) {
		j = i + 1;
		if (n - j >= 5 && digits(v + j, 2) && v[j + 2] == ':' &&
		    digits(v + j + 3, 2))
			m = (v[j + 3] - '0') * 10 + (v[j + 4] - '0');
		else if (n - j >= 4 && digits(v + j, 4))
			m = (v[j + 2] - '0') * 10 + (v[j + 3] - '0');
		else
			return 0;
		h = (v[j] - '0') * 10 + (v[j + 1] - '0');
		if (h > 23 || m > 59)
			return 0; /* nonsense zones read as +0000 */
		return (v[i] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	}
	for (j = i; j < n && ((v[j] >= 'a' && v[j] <= 'z') || (v[j] >= 'A' && v[j] <= 'Z')); j++)
		;
	return zone_named(v + i, j - i);
}

static int leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian): whole years,
 * their leap days, then whole months of year y. */
static long days_since_epoch(long y, int m, int d)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212,
					243, 273, 304, 334 };
	long leaps_before = (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
	long leaps_1970 = 1969 / 4 - 1969 / 100 + 1969 / 400;

	return 365 * (y - 1970) + (leaps_before - leaps_1970) + before[m - 1] +
	       (m > 2 && leap(y)) + d - 1;
}

static int date_valid(long y, int m, int d, int hh, int mm, int ss)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				       31, 30, 31 };

	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] || (m == 2 && d == 29 && !leap(y)))
		return 0;
	return hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 60;
}

time_t content_date_parse(const char *v, size_t n)
{
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	long y, t;

	if (!content_parens_ok(v, n, CONTENT_PAREN_MAX) ||
	    mailimf_date_time_parse(v, n, &idx, &dt) != MAILIMF_NO_ERROR || !dt)
		return (time_t)-1;
	y = dt->dt_year;
	/* Two- and three-digit years (RFC 5322 section 4.3). */
	if (y >= 0 && y < 50)
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	t = -1;
	if (date_valid(y, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min,
		       dt->dt_sec))
		t = days_since_epoch(y, dt->dt_month, dt->dt_day) * 86400L +
		    dt->dt_hour * 3600L + dt->dt_min * 60L + dt->dt_sec -
		    zone_offset(v, n);
	mailimf_date_time_free(dt);
	return (time_t)t;
}

static time_t date_read(const char *hdr, size_t len)
{
	struct buf raw = BUF_INIT;
	time_t t = (time_t)-1;

	if (content_header_raw(hdr, len, "Date", &raw) == 0)
		t = content_date_parse(raw.data, raw.len);
	buf_release(&raw);
	return t;
}

/* ---- the two users ---- */

void content_headers_read(const char *hdr, size_t len, struct content *c)
{
	c->subject = decoded_field(hdr, len, "Subject");
	from_read(hdr, len, &c->from_name, &c->from_addr);
	c->message_id = msgid_read(hdr, len);
	c->in_reply_to = raw_field(hdr, len, "In-Reply-To");
	c->references = raw_field(hdr, len, "References");
	c->date = date_read(hdr, len);
}

void content_message_summary(const char *hdr, size_t len,
			     struct content_part *p)
{
	from_read(hdr, len, &p->msg_from_name, &p->msg_from_addr);
	p->msg_subject = decoded_field(hdr, len, "Subject");
	p->msg_date = raw_field(hdr, len, "Date");
	if (!p->msg_date)
		p->msg_date = xstrdup("");
}
