/* proc.h: the helper processes confer forks for one command (render
 * workers, the import's reader). */
#ifndef CONFER_PROC_H
#define CONFER_PROC_H

#include <sys/types.h>

/* fork(), after flushing stdio so nothing buffered is written twice.  The
 * child is killed when this process dies, so that no helper outlives the
 * command (a killed import or build leaves no process behind).  Returns
 * as fork() does. */
pid_t fork_helper(void);

#endif
