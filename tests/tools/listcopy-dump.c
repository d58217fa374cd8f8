/* listcopy-dump: writes the list copy of a mail file to stdout, for
 * checking listcopy_build with an independent parser
 * (tests/e2e/test_listcopy_corpus.py).
 *
 *   listcopy-dump [--tag TAG] [--footer TEXT] FILE
 *
 * Line ends are made CRLF and a leading mbox "From " line is dropped, as
 * intake does.  On stderr: "footer=1" when footer_add would add the footer
 * to this message, "footer=0" when it leaves it unchanged.  Exit 0, 1 when
 * the message has no header block (reason on stderr), 2 on usage or I/O
 * errors. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "delivery/listcopy.h"
#include "core/util.h"

static const char sample_headers[] =
	"List-Id: Corpus test list <corpus.example.org>\r\n"
	"List-Help: <mailto:corpus-request@example.org?subject=help>\r\n"
	"List-Post: <mailto:corpus@example.org>\r\n"
	"List-Unsubscribe: <mailto:corpus-leave@example.org>,\r\n"
	" <http://example.org/unsubscribe/corpus>\r\n"
	"Archived-At: <http://example.org/archive/corpus/abc123/>\r\n"
	"Precedence: list\r\n";

static int file_read(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int bad;

	if (!f) {
		fprintf(stderr, "listcopy-dump: cannot open \"%s\"\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "listcopy-dump: cannot read \"%s\"\n", path);
		return -1;
	}
	return 0;
}

/* What intake does: CRLF line ends, no mbox "From " line. */
static void normalise(const struct buf *in, struct buf *out)
{
	size_t start = 0;

	if (in->len >= 5 && !memcmp(in->data, "From ", 5)) {
		const char *nl = memchr(in->data, '\n', in->len);

		start = nl ? (size_t)(nl - in->data) + 1 : in->len;
	}
	if (start < in->len)
		rawhdr_add_crlf(in->data + start, in->len - start, out);
}

static int usage(void)
{
	fputs("usage: listcopy-dump [--tag TAG] [--footer TEXT] FILE\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct listcopy_opts o = { NULL, NULL, sample_headers };
	struct buf raw = BUF_INIT, msg = BUF_INIT, out = BUF_INIT,
		   err = BUF_INIT, probe = BUF_INIT;
	int i, rc = 0;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--tag"))
			o.subject_tag = argv[i + 1];
		else if (!strcmp(argv[i], "--footer"))
			o.footer = argv[i + 1];
		else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	if (file_read(argv[i], &raw) < 0)
		return 2;
	normalise(&raw, &msg);
	if (listcopy_build(msg.data, msg.len, &o, &out, &err) < 0) {
		fprintf(stderr, "listcopy-dump: %s: %s\n", argv[i], err.data);
		rc = 1;
	} else {
		if (o.footer)
			fprintf(stderr, "footer=%d\n",
				footer_add(msg.data, msg.len, o.footer, &probe));
		if (fwrite(out.data, 1, out.len, stdout) != out.len ||
		    fflush(stdout) != 0) {
			fputs("listcopy-dump: write error\n", stderr);
			rc = 2;
		}
	}
	buf_release(&raw);
	buf_release(&msg);
	buf_release(&out);
	buf_release(&err);
	buf_release(&probe);
	return rc;
}
