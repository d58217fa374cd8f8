/* attach.h: how attachments are stored beside a message: under names
 * confer makes (att/PERMALINK/N.EXT), with an extension that never lets a
 * web server serve them as an active type. */
#ifndef CONFER_ATTACH_H
#define CONFER_ATTACH_H

#include <stddef.h>

/* The extension (without the dot) to store an attachment of this declared
 * type and content under: a known passive type's own extension, "bin" for
 * anything else (HTML, SVG, XML, JavaScript and every unknown type).  An
 * image type counts only when the bytes start like that image. */
const char *attach_ext(const char *mime_type, const char *data, size_t len);

/* May the attachment be shown inline as an image?  Only PNG, JPEG, GIF
 * and WebP whose bytes match their type. */
int attach_inline_image(const char *mime_type, const char *data, size_t len);

#endif
