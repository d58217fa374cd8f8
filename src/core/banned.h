/* banned.h: functions confer never calls; using one is a compile error.
 * Included last by every .c file through util.h. */
#ifndef CONFER_BANNED_H
#define CONFER_BANNED_H

#define BANNED(fn) sorry_##fn##_is_banned_in_confer

#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(a, b) BANNED(strtok)
#undef atoi
#define atoi(a) BANNED(atoi)
#undef atol
#define atol(a) BANNED(atol)
#undef mktemp
#define mktemp(a) BANNED(mktemp)
#undef gets
#define gets(a) BANNED(gets)

#endif
