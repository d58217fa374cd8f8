/* log.h: the one log module.  Lines go to stderr as
 *   confer[PID]: LEVEL msg=ID key=value ...
 * with the current message id (if any) on every line.  Never log tokens or
 * passwords. */
#ifndef CONFER_LOG_H
#define CONFER_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Sets the message id shown on following lines; NULL clears it. Copied. */
void log_set_msgid(const char *id);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
