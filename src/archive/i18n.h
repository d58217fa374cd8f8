/* i18n.h: the archive's page strings in English, French and Spanish.  A
 * list's language picks the table; templates read the strings as
 * {{t.KEY}}. */
#ifndef CONFER_I18N_H
#define CONFER_I18N_H

#include "core/buf.h"

struct tctx;

/* The language code pages use for lang: "en", "fr" or "es" (anything else
 * falls back to "en").  Never NULL. */
const char *i18n_lang(const char *lang);

/* The string for key in lang; the English one when lang is unknown.
 * Returns NULL for an unknown key. */
const char *i18n_get(const char *lang, const char *key);

/* Sets "t.KEY" for every key of lang's table in c. */
void i18n_fill(struct tctx *c, const char *lang);

/* Checks that every table has every key (non-empty) and that each
 * translation keeps the English string's "%d"/"%s" conversions.  Returns
 * the number of problems, each described on a line of report. */
int i18n_check(struct buf *report);

#endif
