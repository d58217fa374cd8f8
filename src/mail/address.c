/* address.c: RFC 5321 mailbox validation and site address parsing. */
#include <string.h>

#include "core/util.h"
#include "mail/address.h"

static const char *suffixes[] = { "", "-request", "-owner", "-bounces",
				   "-confirm", "-moderate", "-join",
				   "-leave" };

/* RFC 2142 role names, and names that mail software treats specially. */
static const char *reserved_names[] = { "postmaster", "abuse",
					"mailer-daemon", "hostmaster",
					"webmaster", "noc", "security",
					"root" };

const char *list_addr_suffix(enum list_addr_kind kind)
{
	return suffixes[kind];
}

static int is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int local_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	if (s[0] == '"') {
		/* quoted-string: printable ASCII, with \ escapes */
		if (n < 2 || s[n - 1] != '"')
			return 0;
		for (i = 1; i < n - 1; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '\\' && i + 2 < n) {
				i++;
				continue;
			}
			if (c < 32 || c > 126 || c == '"' || c == '\\')
				return 0;
		}
		return 1;
	}
	/* dot-string: atoms separated by single dots */
	if (s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int label_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

static int domain_valid(const char *s)
{
	size_t n = strlen(s);
	const char *p = s;

	if (n == 0 || n > 253)
		return 0;
	if (s[0] == '[')	/* address literal: keep it simple and strict */
		return s[n - 1] == ']' && n > 2 &&
		       strspn(s + 1, "0123456789.:abcdefABCDEFIPv") == n - 2;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_valid(p, len))
			return 0;
		if (!dot)
			return 1;
		p = dot + 1;
	}
}

int address_valid(const char *s, const char **why)
{
	const char *at = strrchr(s, '@');
	size_t i;

	for (i = 0; s[i]; i++) {
		if ((unsigned char)s[i] > 126) {
			*why = "non-ASCII addresses (SMTPUTF8) cannot be delivered";
			return 0;
		}
		if ((unsigned char)s[i] < 33 && !(s[0] == '"')) {
			*why = "spaces and control characters are not allowed";
			return 0;
		}
	}
	if (!at || at == s) {
		*why = "an address needs a local part, '@' and a domain";
		return 0;
	}
	if (i > 254) {
		*why = "the address is longer than 254 characters";
		return 0;
	}
	if (!local_valid(s, (size_t)(at - s))) {
		*why = "the local part is not valid (RFC 5321)";
		return 0;
	}
	if (!domain_valid(at + 1)) {
		*why = "the domain is not valid";
		return 0;
	}
	return 1;
}

void address_strip(const char *s, struct buf *out)
{
	size_t n;

	s = skip_ws(s);
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	buf_add(out, s, n);
}

static int find_kind(char *local, struct list_addr *out)
{
	size_t k, n = strlen(local);

	/* the longest matching suffix wins; a bare name is a post */
	for (k = ARRAY_SIZE(suffixes) - 1; k > 0; k--) {
		size_t sl = strlen(suffixes[k]);
		if (n > sl && !strcmp(local + n - sl, suffixes[k])) {
			local[n - sl] = '\0';
			out->kind = (enum list_addr_kind)k;
			return 0;
		}
	}
	out->kind = ADDR_POST;
	return 0;
}

int list_addr_parse(const char *addr, const char *domain, char delimiter,
		    struct list_addr *out)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at ? (size_t)(at - addr) : strlen(addr);
	char local[192];
	char *ext;

	memset(out, 0, sizeof(*out));
	if (at && ascii_casecmp(at + 1, domain) != 0)
		return -1;
	if (llen == 0 || llen >= sizeof(local))
		return -1;
	memcpy(local, addr, llen);
	local[llen] = '\0';
	ascii_lower(local);
	ext = strchr(local, delimiter);
	if (ext) {
		*ext++ = '\0';
		if (strlen(ext) >= sizeof(out->ext))
			return -1;
		memcpy(out->ext, ext, strlen(ext) + 1);
	}
	find_kind(local, out);
	if (strlen(local) >= sizeof(out->list) || !local[0])
		return -1;
	memcpy(out->list, local, strlen(local) + 1);
	return 0;
}

int list_name_valid(const char *name, const char **why)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 24) {
		*why = "a list name has 1 to 24 characters";
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.')) {
			*why = "a list name has only lowercase letters, digits, "
			       "'-' and '.'";
			return 0;
		}
	}
	if (name[0] == '-' || name[0] == '.' || name[n - 1] == '.' ||
	    strstr(name, "..")) {
		*why = "a list name cannot start with '-' or '.', end with '.' "
		       "or hold '..'";
		return 0;
	}
	for (i = 1; i < ARRAY_SIZE(suffixes); i++)
		if (ends_with_ci(name, suffixes[i])) {
			*why = "a list name cannot end in a reserved suffix "
			       "(-request, -owner, -bounces, -confirm, "
			       "-moderate, -join, -leave)";
			return 0;
		}
	for (i = 0; i < ARRAY_SIZE(reserved_names); i++)
		if (!strcmp(name, reserved_names[i])) {
			*why = "that name is reserved (RFC 2142 role address)";
			return 0;
		}
	return 1;
}
