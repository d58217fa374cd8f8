/* spool.c: writing and reading spool files (format in spool.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/util.h"
#include "intake/spool.h"

static const char *spool_dirs[] = { "incoming/tmp", "incoming/new", "bad",
				    "kept", "outgoing" };

int spool_init(const char *spool_dir)
{
	struct buf p = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(spool_dirs) && rc == 0; i++) {
		buf_reset(&p);
		path_join(&p, spool_dir, spool_dirs[i]);
		rc = mkdir_p(p.data, 02770);
	}
	buf_release(&p);
	return rc;
}

static int bad_envelope_text(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

int spool_write(const char *spool_dir, const char *sender,
		const char *const *rcpts, size_t nrcpts, time_t received,
		const char *source, const char *msg, size_t len,
		struct buf *name_out)
{
	struct buf data = BUF_INIT, name = BUF_INIT, tmpdir = BUF_INIT,
		   path = BUF_INIT;
	size_t i;
	int rc;

	if (bad_envelope_text(sender)) {
		errno = EINVAL;
		return -1;
	}
	buf_printf(&data, "confer-spool 1\nsender %s\n", sender);
	for (i = 0; i < nrcpts; i++) {
		if (bad_envelope_text(rcpts[i])) {
			buf_release(&data);
			errno = EINVAL;
			return -1;
		}
		buf_printf(&data, "recipient %s\n", rcpts[i]);
	}
	buf_printf(&data, "received %lld\nsource %s\n\n", (long long)received,
		   source);
	buf_add(&data, msg, len);
	unique_name(&name);
	path_join(&tmpdir, spool_dir, "incoming/tmp");
	path_join(&path, spool_dir, "incoming/new");
	path_join(&path, "", name.data);
	rc = write_file_durable(path.data, tmpdir.data, data.data, data.len,
				0660);
	if (rc == 0 && name_out)
		buf_adds(name_out, name.data);
	buf_release(&data);
	buf_release(&name);
	buf_release(&tmpdir);
	buf_release(&path);
	return rc;
}

static int parse_line(struct spool_entry *e, char *line)
{
	char *sp = strchr(line, ' ');
	long v;

	if (!sp)
		return !strcmp(line, "sender") ? (e->sender = xstrdup(""), 0) : -1;
	*sp++ = '\0';
	if (!strcmp(line, "sender")) {
		free(e->sender);
		e->sender = xstrdup(sp);
	} else if (!strcmp(line, "recipient")) {
		if (e->nrcpts >= SPOOL_MAX_RCPTS)
			return -1;
		e->rcpts = xreallocarray(e->rcpts, e->nrcpts + 1, sizeof(char *));
		e->rcpts[e->nrcpts++] = xstrdup(sp);
	} else if (!strcmp(line, "received")) {
		if (parse_long(sp, 0, 32503680000L, &v) < 0)
			return -1;
		e->received = (time_t)v;
	} else if (!strcmp(line, "source")) {
		free(e->source);
		e->source = xstrdup(sp);
	}
	return 0;	/* unknown keys are ignored: newer writers may add some */
}

static int parse_envelope(struct spool_entry *e, struct buf *err)
{
	char *p = e->raw.data, *end = e->raw.data + e->raw.len;

	if (e->raw.len < 15 || strncmp(p, "confer-spool 1\n", 15)) {
		buf_adds(err, "not a confer spool file");
		return -1;
	}
	p += 15;
	while (p < end && *p != '\n') {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		*nl = '\0';
		if (parse_line(e, p) < 0) {
			buf_printf(err, "bad envelope line \"%.80s\"", p);
			return -1;
		}
		*nl = '\n';
		p = nl + 1;
	}
	if (p >= end || !e->sender || e->nrcpts == 0) {
		buf_adds(err, "incomplete envelope");
		return -1;
	}
	e->msg = p + 1;
	e->msg_len = (size_t)(end - p - 1);
	return 0;
}

int spool_read(const char *path, size_t max, struct spool_entry *e,
	       struct buf *err)
{
	memset(e, 0, sizeof(*e));
	buf_init(&e->raw);
	if (read_file(path, max, &e->raw) < 0) {
		buf_printf(err, "cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	return parse_envelope(e, err);
}

void spool_entry_release(struct spool_entry *e)
{
	size_t i;

	free(e->sender);
	for (i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->source);
	buf_release(&e->raw);
	memset(e, 0, sizeof(*e));
}

int mail_canonicalize(const char *in, size_t len, struct buf *out,
		      time_t *from_date)
{
	size_t i = 0;

	if (from_date)
		*from_date = -1;
	/* a UTF-8 byte-order mark some Windows tools put first is not part
	 * of any header */
	if (len >= 3 && !memcmp(in, "\xef\xbb\xbf", 3)) {
		in += 3;
		len -= 3;
	}
	if (len >= 5 && !memcmp(in, "From ", 5)) {
		const char *nl = memchr(in, '\n', len);
		size_t ll = nl ? (size_t)(nl - in) : len;
		if (from_date)
			*from_date = mbox_from_date(in, ll);
		i = nl ? ll + 1 : len;
	}
	buf_grow(out, len - i + len / 16);
	while (i < len) {
		/* copy up to the next line end in one go */
		size_t run = i;
		while (run < len && in[run] != '\r' && in[run] != '\n')
			run++;
		buf_add(out, in + i, run - i);
		if (run == len)
			break;
		buf_add(out, "\r\n", 2);
		i = run + 1;
		if (in[run] == '\r' && i < len && in[i] == '\n')
			i++;
	}
	/* SMTP needs the last line ended; relays add it anyway */
	if (out->len && out->data[out->len - 1] != '\n')
		buf_add(out, "\r\n", 2);
	return 0;
}

static int is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

int mail_has_header(const char *msg, size_t len, const char **why)
{
	size_t i = 0;

	if (len == 0) {
		*why = "empty input";
		return 0;
	}
	while (i < len && is_ftext((unsigned char)msg[i]))
		i++;
	/* obsolete syntax allows white space before the colon (RFC 5322
	 * section 4.5) */
	if (i > 0)
		while (i < len && (msg[i] == ' ' || msg[i] == '\t'))
			i++;
	if (i == 0 || i >= len || msg[i] != ':') {
		*why = "input does not start with a header field";
		return 0;
	}
	return 1;
}

time_t mbox_from_date(const char *line, size_t len)
{
	static const char *months = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char copy[256], mon[4];
	struct tm tm;
	time_t t;
	int day, h, m, s, year;
	const char *p, *hit;
	size_t k, skip = 5;    /* "From " */

	/* the date ends the line: of a long line (a long sender), its end */
	if (len >= sizeof(copy)) {
		line += len - (sizeof(copy) - 1);
		len = sizeof(copy) - 1;
		skip = 0;
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	/* "From sender Www Mmm dd hh:mm:ss yyyy": find the weekday-month
	 * part after the sender by scanning for a month name */
	for (k = 0; k < 12; k++) {
		char name[5];
		memcpy(name, months + 3 * k, 3);
		name[3] = ' ';
		name[4] = '\0';
		hit = strstr(copy + skip, name);
		if (!hit)
			continue;
		p = hit;
		/* some writers put a zone name before the year */
		if (sscanf(p, "%3s %d %d:%d:%d %d", mon, &day, &h, &m, &s,
			   &year) != 6 &&
		    sscanf(p, "%3s %d %d:%d:%d %*[A-Za-z] %d", mon, &day, &h,
			   &m, &s, &year) != 6)
			continue;
		/* a time of receipt files the message under its month: no
		 * mail reached a list before 1970, and the archive's dates
		 * have four-digit years */
		if (year < 1970 || year > 9999 || day < 1 || day > 31 ||
		    h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
			return -1;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = (int)k;
		tm.tm_mday = day;
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_sec = s;
		t = timegm(&tm);
		/* timegm makes 30 February into 1 March: a day the month
		 * does not have is as unusable as a month-less line; and no
		 * message reached a list after now */
		if (t == (time_t)-1 || tm.tm_mday != day ||
		    tm.tm_mon != (int)k || t > clock_now())
			return -1;
		return t;
	}
	return -1;
}
