/* thread.c: JWZ threading without the subject step (contract in thread.h):
 * an id table, parent links, cycles broken, placeholders pruned, ordering. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/thread.h"
#include "core/strpool.h"
#include "core/util.h"

/* Nodes come from fixed chunks so their addresses stay put while the table
 * and the trees point at them; ids are packed into larger string chunks. */
#define NODE_CHUNK 1024
#define TAB_START 1024 /* slots in the id table at first; a power of two */

/* What messages are ordered by: date, then sent, then tiebreak (NULL
 * last), then input position so the result never depends on qsort's
 * whims. */
struct tkey {
	time_t date, sent;
	const char *tie;
	size_t idx;
};

struct tnode {
	struct thread_node pub; /* first, so a thread_node * converts back */
	struct tkey own;        /* the message's key; unused for placeholders */
	struct tkey early;      /* earliest message in the subtree */
	time_t newest;          /* latest date in the subtree */
	size_t stamp;           /* 1 + message whose chain holds this node */
	size_t seq;             /* when the parent link was made */
	size_t mark;            /* cycle search: walk seen in; SIZE_MAX: done */
	size_t nkids;
	int weak;               /* parent presumed from another's References */
};

struct node_chunk {
	struct node_chunk *next;
	size_t used;
	struct tnode nodes[NODE_CHUNK];
};

struct pool {
	struct node_chunk *nodes;
	struct strpool strs;
};

/* Open addressing keyed by id.  Each slot keeps the id's hash beside the
 * node, so most probes are settled without touching the string. */
struct idslot {
	uint32_t hash;
	struct tnode *node;
};

struct idtab {
	struct idslot *slot;
	size_t mask, count;
};

struct builder {
	const struct thread_msg *msgs;
	size_t n;
	struct pool *pool;
	struct idtab tab;
	struct thread_node **node_of;
	struct tnode **all;     /* every node made while linking */
	size_t nall, capall;
	size_t *dups;           /* messages whose Message-ID was taken */
	size_t ndups;
	struct tnode **roots;
	size_t nroots, caproots;
	struct tnode *chain[MSGIDS_MAX + 1]; /* current message's ancestry */
	size_t nchain;
	struct tnode *self;     /* the current message's node */
	struct tnode *irt;      /* its In-Reply-To's first id */
	size_t stamp;
	size_t seq;
};

static struct tnode *to_tnode(struct thread_node *n)
{
	return (struct tnode *)n;
}

static struct tnode *parent_of(const struct tnode *t)
{
	return to_tnode(t->pub.parent);
}

/* ---- pool -------------------------------------------------------------- */

static struct tnode *pool_node(struct pool *p)
{
	struct node_chunk *c = p->nodes;
	struct tnode *t;

	if (!c || c->used == NODE_CHUNK) {
		c = xmalloc(sizeof(*c));
		c->next = p->nodes;
		c->used = 0;
		p->nodes = c;
	}
	t = &c->nodes[c->used++];
	memset(t, 0, sizeof(*t));
	return t;
}

static void pool_free(struct pool *p)
{
	struct node_chunk *nc;

	if (!p)
		return;
	while ((nc = p->nodes)) {
		p->nodes = nc->next;
		free(nc);
	}
	strpool_release(&p->strs);
	free(p);
}

/* ---- id table ---------------------------------------------------------- */

static void tab_init(struct idtab *t)
{
	t->slot = xcalloc(TAB_START, sizeof(*t->slot));
	t->mask = TAB_START - 1;
	t->count = 0;
}

static struct tnode *tab_find(const struct idtab *t, const char *id,
			      size_t len, uint32_t h)
{
	const struct idslot *sl;
	size_t i;

	for (i = h & t->mask; (sl = &t->slot[i])->node; i = (i + 1) & t->mask) {
		if (sl->hash == h &&
		    strncmp(sl->node->pub.msgid, id, len) == 0 &&
		    sl->node->pub.msgid[len] == '\0')
			return sl->node;
	}
	return NULL;
}

static void tab_put(struct idtab *t, struct tnode *node, uint32_t h)
{
	size_t i = h & t->mask;

	while (t->slot[i].node)
		i = (i + 1) & t->mask;
	t->slot[i].hash = h;
	t->slot[i].node = node;
}

/* Keeps the load at most one half so probe runs stay short. */
static void tab_insert(struct idtab *t, struct tnode *node, uint32_t h)
{
	struct idtab big;
	size_t i, size = t->mask + 1;

	if ((t->count + 1) * 2 > size) {
		if (size > SIZE_MAX / 2 / sizeof(*big.slot))
			die("thread id table too large");
		big.slot = xcalloc(size * 2, sizeof(*big.slot));
		big.mask = size * 2 - 1;
		big.count = t->count;
		for (i = 0; i < size; i++) {
			if (t->slot[i].node)
				tab_put(&big, t->slot[i].node, t->slot[i].hash);
		}
		free(t->slot);
		*t = big;
	}
	tab_put(t, node, h);
	t->count++;
}

/* ---- keys -------------------------------------------------------------- */

static int key_cmp(const struct tkey *a, const struct tkey *b)
{
	int c;

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->sent != b->sent)
		return a->sent < b->sent ? -1 : 1;
	if (a->tie != b->tie) {
		if (!a->tie)
			return 1;
		if (!b->tie)
			return -1;
		c = strcmp(a->tie, b->tie);
		if (c)
			return c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int key_qsort(const void *a, const void *b)
{
	return key_cmp(a, b);
}

/* Siblings: oldest first; a placeholder stands where its earliest reply
 * does. */
static const struct tkey *sibling_key(const struct tnode *t)
{
	return t->pub.msg >= 0 ? &t->own : &t->early;
}

static int sibling_qsort(const void *a, const void *b)
{
	const struct tnode *x = *(struct tnode *const *)a;
	const struct tnode *y = *(struct tnode *const *)b;

	return key_cmp(sibling_key(x), sibling_key(y));
}

/* Threads: newest activity first, then the tiebreak of each thread's
 * earliest message. */
static int root_qsort(const void *a, const void *b)
{
	const struct tnode *x = *(struct tnode *const *)a;
	const struct tnode *y = *(struct tnode *const *)b;
	struct tkey kx = x->early, ky = y->early;

	if (x->newest != y->newest)
		return x->newest > y->newest ? -1 : 1;
	kx.date = ky.date = kx.sent = ky.sent = 0;
	return key_cmp(&kx, &ky);
}

/* ---- nodes ------------------------------------------------------------- */

static struct tnode *new_node(struct builder *b, int msg, const char *id,
			      size_t len)
{
	struct tnode *t = pool_node(b->pool);

	t->pub.msg = msg;
	t->pub.msgid = id ? strpool_dup(&b->pool->strs, id, len) : NULL;
	if (b->nall == b->capall) {
		b->capall = b->capall ? b->capall * 2 : 1024;
		b->all = xreallocarray(b->all, b->capall, sizeof(*b->all));
	}
	b->all[b->nall++] = t;
	return t;
}

/* The node for an id, made as a placeholder the first time it is seen. */
static struct tnode *intern(struct builder *b, const char *id, size_t len)
{
	uint32_t h = msgids_hash(id, len);
	struct tnode *t = tab_find(&b->tab, id, len, h);

	if (!t) {
		t = new_node(b, -1, id, len);
		tab_insert(&b->tab, t, h);
	}
	return t;
}

/* A message's own id as given, forgiving stray white space and <>. */
static const char *own_id(const char *s, size_t *len)
{
	const char *e;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		e--;
	if (e - s >= 2 && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	*len = (size_t)(e - s);
	return *len ? s : NULL;
}

static void push_root(struct builder *b, struct tnode *t)
{
	t->pub.parent = NULL;
	if (b->nroots == b->caproots) {
		b->caproots = b->caproots ? b->caproots * 2 : 64;
		b->roots = xreallocarray(b->roots, b->caproots,
					 sizeof(*b->roots));
	}
	b->roots[b->nroots++] = t;
}

static void push_child(struct tnode *parent, struct tnode *kid)
{
	kid->pub.parent = &parent->pub;
	kid->pub.next = parent->pub.child;
	parent->pub.child = &kid->pub;
	parent->nkids++;
}

/* ---- step 1: one node per message -------------------------------------- */

/* Walks the messages oldest first, primaries in a first pass, so when
 * several share a Message-ID the primary one (else the oldest) owns it
 * and replies hang below it, whatever the others' dates; the rest wait
 * in b->dups and are placed at the end (attach_dups). */
static void make_message_nodes(struct builder *b, const struct tkey *order)
{
	const char *id;
	size_t k, i, len;
	uint32_t h;
	struct tnode *t;

	for (k = 0; k < 2 * b->n; k++) {
		i = order[k % b->n].idx;
		if (!b->msgs[i].primary == (k < b->n))
			continue;
		id = own_id(b->msgs[i].msgid, &len);
		h = id ? msgids_hash(id, len) : 0;
		if (id && tab_find(&b->tab, id, len, h)) {
			b->dups[b->ndups++] = i;
			continue;
		}
		t = new_node(b, (int)i, id, len);
		t->own = order[k % b->n];
		if (id)
			tab_insert(&b->tab, t, h);
		b->node_of[i] = &t->pub;
	}
}

/* ---- step 2: parent links ---------------------------------------------- */

static int add_ref(const char *id, size_t len, void *arg)
{
	struct builder *b = arg;
	struct tnode *t = intern(b, id, len);

	if (t == b->self || t->stamp == b->stamp)
		return 0; /* self-reference or repeat: no new information */
	if (b->nchain == MSGIDS_MAX) {
		/* No real thread is this deep.  Keep the oldest ids, which
		 * find the thread, and the newest, which is the parent. */
		b->chain[--b->nchain]->stamp = 0;
	}
	t->stamp = b->stamp;
	b->chain[b->nchain++] = t;
	return 0;
}

static int first_id(const char *id, size_t len, void *arg)
{
	struct builder *b = arg;

	b->irt = intern(b, id, len);
	return 1;
}

/* In-Reply-To names the message actually answered, so it goes last and
 * becomes the parent, even when References lists it further up: mailers
 * that write References out of order (notmuch's "parent-priority" corpus)
 * then still thread right, and when References ends in an id that
 * In-Reply-To lists as well, nothing changes. */
static void append_irt(struct builder *b)
{
	struct tnode *irt = b->irt;
	size_t i;

	if (!irt || irt == b->self)
		return;
	if (irt->stamp == b->stamp) {
		if (b->chain[b->nchain - 1] == irt)
			return;
		for (i = 0; b->chain[i] != irt; i++)
			;
		memmove(&b->chain[i], &b->chain[i + 1],
			(b->nchain - i - 1) * sizeof(*b->chain));
		b->nchain--;
	}
	irt->stamp = b->stamp;
	b->chain[b->nchain++] = irt;
}

static void set_parent(struct builder *b, struct tnode *kid,
		       struct tnode *parent, int weak)
{
	kid->pub.parent = &parent->pub;
	kid->weak = weak;
	kid->seq = ++b->seq;
}

/* A message's own headers decide its parent.  The rest of its chain only
 * presumes links between ids whose messages we do not have (JWZ links
 * every pair, but a message we hold knows its parent better than a
 * stranger's References do), and only where no earlier message (oldest
 * first) presumed otherwise.  Loops are left for break_cycles. */
static void link_message(struct builder *b, size_t i)
{
	const struct thread_msg *m = &b->msgs[i];
	struct tnode *kid;
	size_t k;

	b->self = to_tnode(b->node_of[i]);
	b->stamp = i + 1;
	b->nchain = 0;
	b->irt = NULL;
	msgids_scan(m->references, add_ref, b);
	msgids_scan(m->in_reply_to, first_id, b);
	append_irt(b);
	for (k = 1; k < b->nchain; k++) {
		kid = b->chain[k];
		if (kid->pub.msg < 0 && !kid->pub.parent)
			set_parent(b, kid, b->chain[k - 1], 1);
	}
	if (b->nchain)
		set_parent(b, b->self, b->chain[b->nchain - 1], 0);
}

/* ---- step 3: no message may be its own ancestor -------------------------- */

/* Cuts one link of the loop through start.  A presumed link goes first,
 * the latest made, as JWZ would have refused it; a loop of the messages'
 * own headers (A replies to B, B to A) is opened above its oldest
 * message, which becomes the top as notmuch does. */
static void cut_cycle(struct tnode *start)
{
	struct tnode *t = start, *cut = NULL;

	do {
		if (t->weak) {
			if (!cut || !cut->weak || t->seq > cut->seq)
				cut = t;
		} else if (!cut || (!cut->weak &&
				    key_cmp(&t->own, &cut->own) < 0)) {
			cut = t;
		}
		t = parent_of(t);
	} while (t != start);
	cut->pub.parent = NULL;
	cut->weak = 0;
}

/* Each node has at most one parent, so every loop is found by walking up
 * from each node once; nodes already walked are never walked again. */
static void break_cycles(struct builder *b)
{
	struct tnode **walk = xreallocarray(NULL, b->nall ? b->nall : 1,
					    sizeof(*walk));
	struct tnode *t;
	size_t i, nwalk;

	for (i = 0; i < b->nall; i++) {
		nwalk = 0;
		for (t = b->all[i]; t && t->mark == 0; t = parent_of(t)) {
			t->mark = i + 1;
			walk[nwalk++] = t;
		}
		if (t && t->mark == i + 1)
			cut_cycle(t);
		while (nwalk)
			walk[--nwalk]->mark = SIZE_MAX;
	}
	free(walk);
}

/* ---- step 4: trees and placeholders ------------------------------------ */

/* Breadth-first from the roots: every parent comes before its children,
 * so walking the result backwards sees children first.  No recursion, so
 * a chain 100,000 deep is no threat to the stack. */
static size_t breadth_first(struct tnode **roots, size_t nroots,
			    struct tnode **order)
{
	struct thread_node *c;
	size_t head, count;

	if (nroots) /* roots is NULL when there are none */
		memcpy(order, roots, nroots * sizeof(*order));
	count = nroots;
	for (head = 0; head < count; head++) {
		for (c = order[head]->pub.child; c; c = c->next)
			order[count++] = to_tnode(c);
	}
	return count;
}

static void make_lists(struct builder *b)
{
	struct tnode *t;
	size_t i;

	for (i = 0; i < b->nall; i++) {
		t = b->all[i];
		if (t->pub.parent)
			push_child(parent_of(t), t);
		else
			push_root(b, t);
	}
}

/* A run of placeholders shows as one: the outer one (the oldest known
 * ancestor, which keeps the thread's id stable when the missing messages
 * arrive later) takes the children of the inner one. */
static void adopt_grandchildren(struct tnode *t)
{
	struct thread_node *c = t->pub.child->child, *next;

	t->pub.child = NULL;
	t->nkids = 0;
	for (; c; c = next) {
		next = c->next;
		push_child(t, to_tnode(c));
	}
}

/* Children first: an empty placeholder goes; a placeholder whose only
 * child is another placeholder gives way to it (a run of unknown
 * ancestors shows as one); every other placeholder stays, so that a
 * message whose parent is missing shows that gap where it is.  The lists
 * are rebuilt from what survives. */
static void prune(struct builder *b, struct tnode **order, size_t count)
{
	struct tnode *t, *parent;
	size_t i;

	for (i = 0; i < count; i++) {
		order[i]->pub.child = order[i]->pub.next = NULL;
		order[i]->nkids = 0;
	}
	b->nroots = 0;
	for (i = count; i-- > 0;) {
		t = order[i];
		parent = parent_of(t);
		if (t->pub.msg < 0 && t->nkids == 0)
			continue;
		if (t->pub.msg < 0 && t->nkids == 1 && t->pub.child->msg < 0)
			adopt_grandchildren(t);
		if (parent)
			push_child(parent, t);
		else
			push_root(b, t);
	}
}

/* A later message reusing a Message-ID goes beside the one that owns it,
 * under the same parent.  When the owner starts its thread, the copy goes
 * under it instead: as a second root it would split one conversation into
 * two threads with the same id, which reads worse than one extra entry. */
static void attach_dups(struct builder *b)
{
	const char *id;
	struct tnode *owner, *t;
	size_t k, i, len;

	for (k = 0; k < b->ndups; k++) {
		i = b->dups[k];
		id = own_id(b->msgs[i].msgid, &len);
		owner = tab_find(&b->tab, id, len, msgids_hash(id, len));
		t = new_node(b, (int)i, NULL, 0);
		t->pub.msgid = owner->pub.msgid;
		t->own.date = b->msgs[i].date;
		t->own.sent = b->msgs[i].sent;
		t->own.tie = b->msgs[i].tiebreak;
		t->own.idx = i;
		push_child(owner->pub.parent ? parent_of(owner) : owner, t);
		b->node_of[i] = &t->pub;
	}
}

/* ---- step 5: order and depth ------------------------------------------- */

/* Children before parents: each subtree's earliest message and newest
 * date, which order placeholders and threads. */
static void summarise(struct tnode **order, size_t count)
{
	struct thread_node *c;
	struct tnode *t, *k;
	size_t i;

	for (i = count; i-- > 0;) {
		t = order[i];
		if (t->pub.msg >= 0) {
			t->early = t->own;
			t->newest = t->own.date;
		} else {
			/* Placeholders that survived have a child. */
			k = to_tnode(t->pub.child);
			t->early = k->early;
			t->newest = k->newest;
		}
		for (c = t->pub.child; c; c = c->next) {
			k = to_tnode(c);
			if (key_cmp(&k->early, &t->early) < 0)
				t->early = k->early;
			if (k->newest > t->newest)
				t->newest = k->newest;
		}
	}
}

static void sort_children(struct tnode *t, struct tnode **scratch)
{
	struct thread_node *c;
	size_t i, n = 0;

	for (c = t->pub.child; c; c = c->next)
		scratch[n++] = to_tnode(c);
	qsort(scratch, n, sizeof(*scratch), sibling_qsort);
	t->pub.child = NULL;
	for (i = n; i-- > 0;) {
		scratch[i]->pub.next = t->pub.child;
		t->pub.child = &scratch[i]->pub;
	}
}

static void order_all(struct builder *b, struct tnode **order, size_t count)
{
	struct tnode **scratch = xreallocarray(NULL, count ? count : 1,
					       sizeof(*scratch));
	struct tnode *t;
	size_t i;

	summarise(order, count);
	for (i = 0; i < count; i++) {
		t = order[i];
		if (t->nkids > 1)
			sort_children(t, scratch);
		t->pub.depth = t->pub.parent ? parent_of(t)->pub.depth + 1 : 0;
	}
	free(scratch);
	if (b->nroots > 1) /* roots is NULL when there are none */
		qsort(b->roots, b->nroots, sizeof(*b->roots), root_qsort);
}

/* ---- the API ----------------------------------------------------------- */

static void finish(struct builder *b, struct thread_set *out)
{
	size_t i;

	out->roots = xreallocarray(NULL, b->nroots ? b->nroots : 1,
				   sizeof(*out->roots));
	for (i = 0; i < b->nroots; i++)
		out->roots[i] = &b->roots[i]->pub;
	out->nroots = b->nroots;
	out->node_of = b->node_of;
	out->nmsgs = b->n;
	out->pool_ = b->pool;
	for (i = 0; i < b->n; i++) {
		if (!out->node_of[i] || out->node_of[i]->msg != (int)i)
			die("thread: message %zu lost", i);
	}
}

void thread_build(const struct thread_msg *msgs, size_t n,
		  struct thread_set *out)
{
	struct builder *b = xcalloc(1, sizeof(*b));
	struct tkey *order = xreallocarray(NULL, n ? n : 1, sizeof(*order));
	struct tnode **bfs;
	size_t i, count;

	if (n > INT_MAX)
		die("thread: too many messages (%zu)", n);
	b->msgs = msgs;
	b->n = n;
	b->pool = xcalloc(1, sizeof(*b->pool));
	tab_init(&b->tab);
	b->node_of = xcalloc(n ? n : 1, sizeof(*b->node_of));
	b->dups = xreallocarray(NULL, n ? n : 1, sizeof(*b->dups));
	for (i = 0; i < n; i++) {
		order[i].date = msgs[i].date;
		order[i].sent = msgs[i].sent;
		order[i].tie = msgs[i].tiebreak;
		order[i].idx = i;
	}
	qsort(order, n, sizeof(*order), key_qsort);
	make_message_nodes(b, order);
	for (i = 0; i < n; i++) {
		if (b->node_of[order[i].idx])
			link_message(b, order[i].idx);
	}
	free(order);
	break_cycles(b);
	make_lists(b);
	/* Dup nodes are added after pruning: room for all of them now. */
	bfs = xreallocarray(NULL, b->nall + b->ndups + 1, sizeof(*bfs));
	count = breadth_first(b->roots, b->nroots, bfs);
	prune(b, bfs, count);
	attach_dups(b);
	count = breadth_first(b->roots, b->nroots, bfs);
	order_all(b, bfs, count);
	finish(b, out);
	free(bfs);
	free(b->all);
	free(b->dups);
	free(b->roots);
	free(b->tab.slot);
	free(b);
}

void thread_set_release(struct thread_set *ts)
{
	free(ts->roots);
	free(ts->node_of);
	pool_free(ts->pool_);
	memset(ts, 0, sizeof(*ts));
}

struct thread_node *thread_root(struct thread_node *node)
{
	while (node && node->parent)
		node = node->parent;
	return node;
}

/* Iterative pre-order, so deep threads cannot exhaust the stack. */
void thread_walk(struct thread_node *root,
		 void (*fn)(struct thread_node *node, void *arg), void *arg)
{
	struct thread_node *n = root;

	while (n) {
		fn(n, arg);
		if (n->child) {
			n = n->child;
			continue;
		}
		while (n != root && !n->next)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
}
