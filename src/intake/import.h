/* import.h: loading an existing archive (mbox) into a list's store without
 * delivering anything. */
#ifndef CONFER_IMPORT_H
#define CONFER_IMPORT_H

struct site;
struct list_info;

enum mbox_format {
	MBOX_RD,   /* ">From " lines unescaped by one '>' at any depth */
	MBOX_O,    /* only ">From " unescaped (ambiguous, older form) */
	MBOX_CL2,  /* Content-Length gives the length; nothing escaped */
};

struct import_stats {
	long imported, duplicates, quarantined, total;
};

int mbox_format_parse(const char *s, enum mbox_format *fmt);

/* Imports every message of an mbox file.  Messages without a header block
 * are put in spool/bad with the reason.  The "From " line's date is the
 * time of receipt.  Returns 0, or -1 (errno set for an unreadable file). */
int import_mbox(struct site *site, const struct list_info *li,
		const char *path, enum mbox_format fmt, int progress,
		struct import_stats *st);

/* Stores one message as imported (inside a transaction).  0 or -1. */
int import_message(struct site *site, const struct list_info *li,
		   const char *msg, size_t len, long long received,
		   struct import_stats *st);

#endif
