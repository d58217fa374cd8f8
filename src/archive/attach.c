/* attach.c: safe stored names for attachments.  An allow-list maps
 * passive types to their extensions; everything else is "bin", which web
 * servers send as application/octet-stream (a download). */
#include <string.h>

#include "archive/attach.h"
#include "core/util.h"

struct type_ext {
	const char *type, *ext;
	int image;           /* a raster image, checked by its magic */
};

static const struct type_ext types[] = {
	{ "image/png", "png", 1 },
	{ "image/jpeg", "jpg", 1 },
	{ "image/pjpeg", "jpg", 1 },
	{ "image/gif", "gif", 1 },
	{ "image/webp", "webp", 1 },
	{ "application/pdf", "pdf", 0 },
	{ "text/plain", "txt", 0 },
	{ "text/x-diff", "txt", 0 },
	{ "text/x-patch", "txt", 0 },
	{ "text/csv", "csv", 0 },
	{ "application/zip", "zip", 0 },
	{ "application/gzip", "gz", 0 },
	{ "application/x-gzip", "gz", 0 },
	{ "application/x-tar", "tar", 0 },
	{ "application/msword", "doc", 0 },
	{ "application/vnd.ms-excel", "xls", 0 },
	{ "application/vnd.oasis.opendocument.text", "odt", 0 },
	{ "application/vnd.oasis.opendocument.spreadsheet", "ods", 0 },
	{ "application/vnd.openxmlformats-officedocument."
	  "wordprocessingml.document", "docx", 0 },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	  "xlsx", 0 },
	{ "audio/mpeg", "mp3", 0 },
	{ "audio/ogg", "ogg", 0 },
	{ "video/mp4", "mp4", 0 },
};

static int magic_ok(const char *ext, const char *d, size_t n)
{
	if (!strcmp(ext, "png"))
		return n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8);
	if (!strcmp(ext, "jpg"))
		return n >= 3 && !memcmp(d, "\xff\xd8\xff", 3);
	if (!strcmp(ext, "gif"))
		return n >= 6 && (!memcmp(d, "GIF87a", 6) ||
				  !memcmp(d, "GIF89a", 6));
	if (!strcmp(ext, "webp"))
		return n >= 12 && !memcmp(d, "RIFF", 4) &&
		       !memcmp(d + 8, "WEBP", 4);
	return 0;
}

static const struct type_ext *lookup(const char *mime_type)
{
	size_t i;

	for (i = 0; mime_type && i < ARRAY_SIZE(types); i++)
		if (!ascii_casecmp(types[i].type, mime_type))
			return &types[i];
	return NULL;
}

const char *attach_ext(const char *mime_type, const char *data, size_t len)
{
	const struct type_ext *t = lookup(mime_type);

	if (!t || (t->image && !magic_ok(t->ext, data, len)))
		return "bin";
	return t->ext;
}

int attach_inline_image(const char *mime_type, const char *data, size_t len)
{
	const struct type_ext *t = lookup(mime_type);

	return t && t->image && magic_ok(t->ext, data, len);
}
