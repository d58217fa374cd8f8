/* clock.c: wall-clock time with a test override (see clock.h). */
#include <stdlib.h>

#include "clock.h"
#include "util.h"

time_t clock_now(void)
{
	const char *s = getenv("CONFER_NOW");
	long v;

	if (!s || !*s)
		return time(NULL);
	if (s[0] == '+' && parse_long(s + 1, 0, 100L * 365 * 86400, &v) == 0)
		return time(NULL) + v;
	if (parse_long(s, 0, 32503680000L, &v) == 0)
		return (time_t)v;
	return time(NULL);
}
