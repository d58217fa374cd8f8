/* thread.h: threading a list's messages (JWZ's algorithm, without joining
 * threads on subject alone).  Copes with missing parents (placeholders),
 * replies that arrive before their parent, messages that share a Message-ID,
 * reference cycles and self-references, phrase text around ids in
 * In-Reply-To, and messages with no Message-ID. */
#ifndef CONFER_THREAD_H
#define CONFER_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct thread_msg {
	const char *msgid;       /* without <>; NULL when the message has none */
	const char *in_reply_to; /* raw header value or NULL */
	const char *references;  /* raw header value or NULL */
	time_t date;             /* for ordering siblings and threads */
	time_t sent;             /* orders equal dates (e.g. the Date: header
				  * when date is the capped one) */
	const char *tiebreak;    /* stable key for equal dates (e.g. permalink) */
	int primary;             /* owns its msgid when others share it (the
				  * first to arrive); else the earliest owns */
};

struct thread_node {
	int msg;                 /* index into the input array, -1: placeholder */
	char *msgid;             /* the id this node stands for (may be NULL) */
	struct thread_node *parent;
	struct thread_node *child;   /* first child (oldest first) */
	struct thread_node *next;    /* next sibling */
	int depth;
};

struct thread_set {
	struct thread_node **roots; /* newest activity first */
	size_t nroots;
	/* Per input message: its node (every message has exactly one). */
	struct thread_node **node_of;
	size_t nmsgs;
	void *pool_;                /* private */
};

/* Threads n messages.  Roots are ordered by their newest message's date,
 * newest first (ties by the root's first message's tiebreak); siblings by
 * date, oldest first.  Every missing parent of a message is a placeholder
 * where it belongs, so the tree keeps its shape; a run of missing
 * ancestors shows as one placeholder (the oldest known), and placeholders
 * with no message below them are dropped. */
void thread_build(const struct thread_msg *msgs, size_t n,
		  struct thread_set *out);
void thread_set_release(struct thread_set *ts);

/* The root of the thread a message belongs to. */
struct thread_node *thread_root(struct thread_node *node);

/* Calls fn for each node of the tree below (and including) root,
 * depth-first, in display order. */
void thread_walk(struct thread_node *root,
		 void (*fn)(struct thread_node *node, void *arg), void *arg);

/* Extracts the Message-IDs (without <>) from a References or In-Reply-To
 * value, in order, ignoring phrases, comments and junk.  Returns the count;
 * *ids is a malloc'd array of malloc'd strings (free with msgids_free), or
 * NULL when there are none.  Duplicates keep their first place; an id
 * with no brackets counts only when it is all the value holds (a single
 * word with '@', as some mailers write In-Reply-To). */
size_t msgids_parse(const char *value, char ***ids);
void msgids_free(char **ids, size_t n);

/* Bounds on what msgids_parse keeps: RFC 5322 caps a line at 998
 * characters, so a longer id is junk; and no real thread is 1000 deep. */
#define MSGID_MAX_LEN 998
#define MSGIDS_MAX 1000

/* The scanner under msgids_parse: calls fn(id, len, arg) for each id in
 * value, in order, duplicates included; id is NUL-terminated and only valid
 * during the call.  Stops early when fn returns non-zero.  Returns the
 * number of calls made.  Lets the threader intern ids without a malloc
 * per id. */
size_t msgids_scan(const char *value,
		   int (*fn)(const char *id, size_t len, void *arg), void *arg);

/* The hash both msgids_parse and the threader's id table use. */
uint32_t msgids_hash(const char *id, size_t len);

#endif
