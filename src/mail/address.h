/* address.h: mailbox addresses as RFC 5321 defines them, and the addresses
 * of a confer site (LIST@DOMAIN, LIST-request@DOMAIN, ...). */
#ifndef CONFER_ADDRESS_H
#define CONFER_ADDRESS_H

#include <stddef.h>

#include "core/buf.h"

/* Is s a valid RFC 5321 mailbox (local-part "@" domain), ASCII only (confer
 * cannot deliver SMTPUTF8 addresses), local part at most 64 octets and the
 * whole at most 254?  Returns 1 or 0, with the reason in *why. */
int address_valid(const char *s, const char **why);

/* Strips surrounding white space and one pair of angle brackets
 * ("<a@b>" -> "a@b").  "" and "<>" give "". */
void address_strip(const char *s, struct buf *out);

/* The kinds of address a site has, in the order of RFC-reserved suffixes. */
enum list_addr_kind {
	ADDR_POST,
	ADDR_REQUEST,
	ADDR_OWNER,
	ADDR_BOUNCES,
	ADDR_CONFIRM,
	ADDR_MODERATE,
	ADDR_JOIN,
	ADDR_LEAVE,
};

struct list_addr {
	char list[64];             /* the list name, lowercased */
	enum list_addr_kind kind;
	char ext[128];             /* the sub-address after the delimiter */
};

/* Splits an address of this site into list name, kind and extension.
 * `domain` is the site's domain (compared case-insensitively); an address
 * without a domain is taken as local.  Returns 0, or -1 when the address
 * is not of this site or not shaped like a list address.  Whether the
 * list exists is for the caller to check. */
int list_addr_parse(const char *addr, const char *domain, char delimiter,
		    struct list_addr *out);

/* The suffix for a kind ("" for a post, "-request", ...). */
const char *list_addr_suffix(enum list_addr_kind kind);

/* Is name a valid list name (lowercase letters, digits, '-' and '.', at
 * most 24 characters, not reserved)?  Returns 1 or 0 with *why set. */
int list_name_valid(const char *name, const char **why);

#endif
