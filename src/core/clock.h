/* clock.h: the current time, which tests may set.  CONFER_NOW (seconds since
 * the epoch, or +N to move forward N seconds) is read only when present. */
#ifndef CONFER_CLOCK_H
#define CONFER_CLOCK_H

#include <time.h>

time_t clock_now(void);

#endif
