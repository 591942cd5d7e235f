/*
 * base/log.c: one line per event on stderr, with a level checked before any
 * formatting happens (see the tr_log macro in base.h).
 */
#define _GNU_SOURCE /* clock_gettime, localtime_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"

enum tr_log_level tr_log_level = TR_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug",
					   "trace" };

void tr_log_init(void)
{
	const char *s = getenv("TR_LOG_LEVEL");
	if (s != NULL) {
		for (size_t i = 0; i < TR_ARRAY_LEN(level_names); i++) {
			if (strcmp(s, level_names[i]) == 0) {
				tr_log_level = (enum tr_log_level)i;
			}
		}
	}
	s = getenv("TR_TRACE");
	if (s != NULL && s[0] != '\0' && strcmp(s, "0") != 0) {
		tr_log_level = TR_LOG_TRACE;
	}
}

void tr_log_write(enum tr_log_level level, const char *component,
		  const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line,
			 "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s %s: ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
			 level_names[level], component);
	if (n < 0 || (size_t)n >= sizeof line) {
		n = 0;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

char *tr_escape(char *out, size_t cap, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = p;
	size_t o = 0;
	if (cap == 0) {
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (o + 1 >= cap) {
				break;
			}
			out[o++] = (char)ch;
		} else {
			if (o + 4 >= cap) {
				break;
			}
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return out;
}

uint64_t tr_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
