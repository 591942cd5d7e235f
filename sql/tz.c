/*
 * sql/tz.c: time zones for AT TIME ZONE, timezone() and the zone
 * argument of make_timestamptz, resolved as PostgreSQL 15's
 * timestamp_zone does:
 *
 *   1. an abbreviation of PostgreSQL's "Default" abbreviation set
 *      (EST, CET, UTC, Z...): a fixed offset;
 *   2. a zone of the system's tz database (/usr/share/zoneinfo), the
 *      name matched without regard to case as pg_tzset does: its
 *      transitions, then the POSIX rule of the file's footer;
 *   3. a POSIX TZ string ('UTC+5', '+05:30', 'EST5EDT,M3.2.0,M11.1.0'):
 *      offsets count west of Greenwich, as POSIX says, so '+05' is five
 *      hours behind UTC (PostgreSQL's well-known surprise).  A daylight
 *      name without rules takes the US rules, as the tz database's
 *      "posixrules" does.
 *
 * Offsets are seconds east of UTC.  Abbreviations whose meaning changed
 * over time (MSK, for one) keep today's offset.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sql/sql_int.h"

#define TZ_DIR      "/usr/share/zoneinfo"
/* Largest tz file read (the biggest are under 10 KB). */
#define TZ_MAX_FILE (256 * 1024)
#define TZ_MAX_NAME 255

/* A date of a POSIX rule: Jn (day 1..365, no Feb 29), n (0..365), or
 * Mm.w.d (weekday d of week w of month m, w 5 the last). */
struct tz_when {
	char kind; /* 'J', 'D', 'M' */
	int day, month, week;
	int32_t secs; /* local time of day of the change */
};

struct sql__tz {
	/* Transitions (from a file): at[i] UTC seconds, off[i] the offset
	 * from then on; off_before before the first. */
	size_t n;
	int64_t *at;
	int32_t *off;
	int32_t off_before;
	/* The POSIX rule (footer or string), used after the last
	 * transition (or always, without transitions). */
	bool has_rule;
	int32_t std_off, dst_off;
	bool has_dst;
	struct tz_when start, end;
};

// clang-format off
static const struct {
	const char *name;
	int32_t off;
} abbrevs[] = {
	{ "acdt", 37800 }, { "acsst", 37800 }, { "acst", 34200 },
	{ "act", -18000 }, { "acwst", 31500 }, { "adt", -10800 },
	{ "aedt", 39600 }, { "aesst", 39600 }, { "aest", 36000 },
	{ "aft", 16200 }, { "akdt", -28800 }, { "akst", -32400 },
	{ "almst", 25200 }, { "almt", 21600 }, { "amst", 14400 },
	{ "amt", -14400 }, { "anast", 43200 }, { "anat", 43200 },
	{ "arst", -10800 }, { "art", -10800 }, { "ast", -14400 },
	{ "awsst", 32400 }, { "awst", 28800 }, { "azost", 0 },
	{ "azot", -3600 }, { "azst", 14400 }, { "azt", 14400 },
	{ "bdst", 7200 }, { "bdt", 21600 }, { "bnt", 28800 },
	{ "bort", 28800 }, { "bot", -14400 }, { "bra", -10800 },
	{ "brst", -7200 }, { "brt", -10800 }, { "bst", 3600 },
	{ "btt", 21600 }, { "cadt", 37800 }, { "cast", 34200 },
	{ "cct", 28800 }, { "cdt", -18000 }, { "cest", 7200 },
	{ "cet", 3600 }, { "cetdst", 7200 }, { "chadt", 49500 },
	{ "chast", 45900 }, { "chut", 36000 }, { "ckt", -36000 },
	{ "clst", -10800 }, { "clt", -10800 }, { "cot", -18000 },
	{ "cst", -21600 }, { "cxt", 25200 }, { "davt", 25200 },
	{ "ddut", 36000 }, { "easst", -18000 }, { "east", -18000 },
	{ "eat", 10800 }, { "edt", -14400 }, { "eest", 10800 },
	{ "eet", 7200 }, { "eetdst", 10800 }, { "egst", 0 }, { "egt", -3600 },
	{ "est", -18000 }, { "fet", 10800 }, { "fjst", 46800 },
	{ "fjt", 43200 }, { "fkst", -10800 }, { "fkt", -10800 },
	{ "fnst", -3600 }, { "fnt", -7200 }, { "galt", -21600 },
	{ "gamt", -32400 }, { "gest", 14400 }, { "get", 14400 },
	{ "gft", -10800 }, { "gilt", 43200 }, { "gmt", 0 }, { "gyt", -14400 },
	{ "hkt", 28800 }, { "hst", -36000 }, { "ict", 25200 },
	{ "idt", 10800 }, { "iot", 21600 }, { "irkst", 28800 },
	{ "irkt", 28800 }, { "irt", 12600 }, { "ist", 7200 },
	{ "jayt", 32400 }, { "jst", 32400 }, { "kdt", 36000 },
	{ "kgst", 21600 }, { "kgt", 21600 }, { "kost", 39600 },
	{ "krast", 25200 }, { "krat", 25200 }, { "kst", 32400 },
	{ "lhdt", 39600 }, { "lhst", 37800 }, { "ligt", 36000 },
	{ "lint", 50400 }, { "lkt", 19800 }, { "magst", 39600 },
	{ "magt", 39600 }, { "mart", -34200 }, { "mawt", 18000 },
	{ "mdt", -21600 }, { "mest", 7200 }, { "mesz", 7200 },
	{ "met", 3600 }, { "metdst", 7200 }, { "mez", 3600 },
	{ "mht", 43200 }, { "mmt", 23400 }, { "mpt", 36000 },
	{ "msd", 14400 }, { "msk", 10800 }, { "mst", -25200 },
	{ "must", 18000 }, { "mut", 14400 }, { "mvt", 18000 },
	{ "myt", 28800 }, { "ndt", -9000 }, { "nft", -12600 },
	{ "novst", 25200 }, { "novt", 25200 }, { "npt", 20700 },
	{ "nst", -12600 }, { "nut", -39600 }, { "nzdt", 46800 },
	{ "nzst", 43200 }, { "nzt", 43200 }, { "omsst", 21600 },
	{ "omst", 21600 }, { "pdt", -25200 }, { "pet", -18000 },
	{ "petst", 43200 }, { "pett", 43200 }, { "pgt", 36000 },
	{ "pht", 28800 }, { "pkst", 21600 }, { "pkt", 18000 },
	{ "pmdt", -7200 }, { "pmst", -10800 }, { "pont", 39600 },
	{ "pst", -28800 }, { "pwt", 32400 }, { "pyst", -10800 },
	{ "pyt", -10800 }, { "ret", 14400 }, { "sadt", 37800 },
	{ "sast", 7200 }, { "sct", 14400 }, { "sgt", 28800 },
	{ "taht", -36000 }, { "tft", 18000 }, { "tjt", 18000 },
	{ "tkt", 46800 }, { "tmt", 18000 }, { "tot", 46800 },
	{ "trut", 36000 }, { "tvt", 43200 }, { "uct", 0 }, { "ulast", 32400 },
	{ "ulat", 28800 }, { "ut", 0 }, { "utc", 0 }, { "uyst", -7200 },
	{ "uyt", -10800 }, { "uzst", 21600 }, { "uzt", 18000 },
	{ "vet", -14400 }, { "vlast", 36000 }, { "vlat", 36000 },
	{ "volt", 10800 }, { "vut", 39600 }, { "wadt", 28800 },
	{ "wakt", 43200 }, { "wast", 25200 }, { "wat", 3600 },
	{ "wdt", 32400 }, { "wet", 0 }, { "wetdst", 3600 }, { "wft", 43200 },
	{ "wgst", -7200 }, { "wgt", -10800 }, { "xjt", 21600 },
	{ "yakst", 32400 }, { "yakt", 32400 }, { "yapt", 36000 },
	{ "yekst", 21600 }, { "yekt", 18000 }, { "z", 0 }, { "zulu", 0 },
};
// clang-format on

/* ---------------------------------------------------------------------
 * Civil dates
 * ------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t year_of(int64_t secs)
{
	int64_t z = floor_div(secs, 86400) + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	return yoe + era * 400 + (m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local seconds (since 1970 as if UTC) at which @w happens in year @y. */
static int64_t when_in_year(const struct tz_when *w, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	int64_t day;
	switch (w->kind) {
	case 'J':
		day = jan1 + w->day - 1;
		if (is_leap(y) && w->day >= 60) {
			day++;
		}
		break;
	case 'D':
		day = jan1 + w->day;
		break;
	default: {
		int64_t first = days_from_civil(y, w->month, 1);
		/* 1970-01-01 was a Thursday (4). */
		int dow = (int)((first % 7 + 7 + 4) % 7);
		int64_t d = first + (w->day - dow + 7) % 7 + 7 * (w->week - 1);
		int mdays = w->month == 12 ? 31
					   : (int)(days_from_civil(
							   y, w->month + 1, 1) -
						   first);
		while (d - first >= mdays) {
			d -= 7;
		}
		day = d;
		break;
	}
	}
	return day * 86400 + w->secs;
}

/* The rule's changes in year @y as UTC seconds. */
static void rule_changes(const struct sql__tz *z, int64_t y, int64_t *on,
			 int64_t *off)
{
	*on = when_in_year(&z->start, y) - z->std_off;
	*off = when_in_year(&z->end, y) - z->dst_off;
}

static int32_t rule_offset(const struct sql__tz *z, int64_t t)
{
	if (!z->has_dst) {
		return z->std_off;
	}
	int64_t on, off;
	rule_changes(z, year_of(t + z->std_off), &on, &off);
	bool dst = on < off ? (t >= on && t < off) : (t < off || t >= on);
	return dst ? z->dst_off : z->std_off;
}

int32_t sql__tz_offset(const struct sql__tz *z, int64_t t)
{
	if (z->n == 0) {
		return z->has_rule ? rule_offset(z, t) : z->off_before;
	}
	if (t >= z->at[z->n - 1]) {
		return z->has_rule ? rule_offset(z, t) : z->off[z->n - 1];
	}
	if (t < z->at[0]) {
		return z->off_before;
	}
	size_t lo = 0, hi = z->n - 1; /* at[lo] <= t < at[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return z->off[lo];
}

/* The first change after UTC time @t: its time and the offsets before
 * and after it; false if there is none. */
static bool next_change(const struct sql__tz *z, int64_t t, int64_t *when,
			int32_t *before, int32_t *after)
{
	*before = sql__tz_offset(z, t);
	if (z->n > 0 && t < z->at[z->n - 1]) {
		size_t lo = 0, hi = z->n - 1;
		if (t < z->at[0]) {
			hi = 0;
		} else {
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				if (z->at[mid] <= t) {
					lo = mid;
				} else {
					hi = mid;
				}
			}
		}
		*when = z->at[hi];
		*after = z->off[hi];
		return true;
	}
	if (!z->has_rule || !z->has_dst) {
		return false;
	}
	int64_t y = year_of(t + z->std_off);
	for (int64_t k = y - 1; k <= y + 1; k++) {
		int64_t on, off;
		rule_changes(z, k, &on, &off);
		int64_t first = on < off ? on : off;
		int64_t second = on < off ? off : on;
		if (first > t) {
			*when = first;
			*after = first == on ? z->dst_off : z->std_off;
			return true;
		}
		if (second > t) {
			*when = second;
			*after = second == on ? z->dst_off : z->std_off;
			return true;
		}
	}
	return false;
}

int32_t sql__tz_local_offset(const struct sql__tz *z, int64_t local)
{
	/* PostgreSQL's DetermineTimeZoneOffset: the change nearest after a
	 * day before; a local time in a spring-forward gap takes the
	 * offset before it, one in a fall-back overlap the offset after. */
	int64_t boundary;
	int32_t before, after;
	if (!next_change(z, local - 86400, &boundary, &before, &after)) {
		return before;
	}
	int64_t bt = local - before, at = local - after;
	if (bt < boundary && at < boundary) {
		return before;
	}
	if (bt >= boundary && at >= boundary) {
		return after;
	}
	return bt > at ? before : after;
}

/* ---------------------------------------------------------------------
 * POSIX TZ strings
 * ------------------------------------------------------------------- */

/* [+-]hh[:mm[:ss]] as seconds (hours up to 167, as tzcode allows). */
static bool posix_secs(const char **p, bool signed_ok, int32_t *out)
{
	const char *s = *p;
	int sign = 1;
	if (signed_ok && (*s == '+' || *s == '-')) {
		sign = *s == '-' ? -1 : 1;
		s++;
	}
	int v[3] = { 0, 0, 0 };
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != ':') {
				break;
			}
			s++;
		}
		if (!isdigit((unsigned char)*s)) {
			return false;
		}
		int n = 0;
		while (isdigit((unsigned char)*s) && n < 3) {
			v[i] = v[i] * 10 + (*s - '0');
			s++;
			n++;
		}
	}
	if (v[0] > 167 || v[1] > 59 || v[2] > 59) {
		return false;
	}
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	*p = s;
	return true;
}

/* A zone name: letters, or anything in <...>; its length (0: none). */
static size_t posix_name(const char **p)
{
	const char *s = *p;
	if (*s == '<') {
		const char *end = strchr(s, '>');
		if (end == NULL) {
			return 0;
		}
		*p = end + 1;
		return (size_t)(end - s - 1) + 1;
	}
	while (isalpha((unsigned char)*s)) {
		s++;
	}
	size_t n = (size_t)(s - *p);
	*p = s;
	return n;
}

static bool posix_when(const char **p, struct tz_when *w)
{
	const char *s = *p;
	char *end;
	w->secs = 7200; /* 02:00 by default */
	if (*s == 'M') {
		w->kind = 'M';
		long m = strtol(s + 1, &end, 10);
		if (end == s + 1 || *end != '.') {
			return false;
		}
		s = end + 1;
		long wk = strtol(s, &end, 10);
		if (end == s || *end != '.') {
			return false;
		}
		s = end + 1;
		long d = strtol(s, &end, 10);
		if (end == s || m < 1 || m > 12 || wk < 1 || wk > 5 || d < 0 ||
		    d > 6) {
			return false;
		}
		w->month = (int)m;
		w->week = (int)wk;
		w->day = (int)d;
	} else {
		bool julian = *s == 'J';
		if (julian) {
			s++;
		}
		long d = strtol(s, &end, 10);
		if (end == s || d < (julian ? 1 : 0) || d > 365) {
			return false;
		}
		w->kind = julian ? 'J' : 'D';
		w->day = (int)d;
	}
	s = end;
	if (*s == '/') {
		s++;
		if (!posix_secs(&s, true, &w->secs)) {
			return false;
		}
	}
	*p = s;
	return true;
}

/* @s as a POSIX TZ string into @z's rule. */
static bool posix_parse(const char *s, struct sql__tz *z)
{
	posix_name(&s); /* PostgreSQL accepts short or missing names */
	int32_t std;
	if (!posix_secs(&s, true, &std)) {
		return false;
	}
	z->has_rule = true;
	z->std_off = -std;
	z->dst_off = z->std_off;
	z->has_dst = false;
	if (*s == '\0') {
		return true;
	}
	if (posix_name(&s) == 0) {
		return false;
	}
	z->has_dst = true;
	z->dst_off = z->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		int32_t dst;
		if (!posix_secs(&s, true, &dst)) {
			return false;
		}
		z->dst_off = -dst;
	}
	if (*s == '\0') {
		/* No rules: the US ones (posixrules). */
		z->start = (struct tz_when){ 'M', 0, 3, 2, 7200 };
		z->end = (struct tz_when){ 'M', 0, 11, 1, 7200 };
		return true;
	}
	if (*s != ',') {
		return false;
	}
	s++;
	if (!posix_when(&s, &z->start) || *s != ',') {
		return false;
	}
	s++;
	return posix_when(&s, &z->end) && *s == '\0';
}

/* ---------------------------------------------------------------------
 * tz database files (RFC 8536)
 * ------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parse a TZif image into @z; false if it is malformed. */
static bool tzif_parse(const uint8_t *d, size_t len, struct sql__tz *z)
{
	if (len < 44 || memcmp(d, "TZif", 4) != 0) {
		return false;
	}
	bool v2 = d[4] >= '2';
	const uint8_t *h = d;
	size_t pos = 0;
	int tsize = 4;
	for (int pass = 0; pass < 2; pass++) {
		if (len - pos < 44 || memcmp(h, "TZif", 4) != 0) {
			return false;
		}
		uint64_t isut = be32(h + 20), isstd = be32(h + 24);
		uint64_t leap = be32(h + 28), timecnt = be32(h + 32);
		uint64_t typecnt = be32(h + 36), charcnt = be32(h + 40);
		uint64_t body = timecnt * (uint64_t)tsize + timecnt +
				typecnt * 6 + charcnt +
				leap * (uint64_t)(tsize + 4) + isstd + isut;
		if (typecnt == 0 || body > len - pos - 44) {
			return false;
		}
		if (pass == 0 && v2) {
			pos += 44 + (size_t)body;
			h = d + pos;
			tsize = 8;
			continue;
		}
		const uint8_t *times = h + 44;
		const uint8_t *idx = times + timecnt * (uint64_t)tsize;
		const uint8_t *types = idx + timecnt;
		z->at = tr_malloc((timecnt ? timecnt : 1) * sizeof *z->at);
		z->off = tr_malloc((timecnt ? timecnt : 1) * sizeof *z->off);
		if (z->at == NULL || z->off == NULL) {
			return false;
		}
		for (size_t i = 0; i < timecnt; i++) {
			z->at[i] = tsize == 8 ? be64(times + 8 * i)
					      : (int32_t)be32(times + 4 * i);
			if (idx[i] >= typecnt ||
			    (i > 0 && z->at[i] <= z->at[i - 1])) {
				return false;
			}
			z->off[i] = (int32_t)be32(types + 6 * idx[i]);
		}
		z->n = (size_t)timecnt;
		z->off_before = (int32_t)be32(types);
		pos += 44 + (size_t)body;
		break;
	}
	if (v2 && pos < len && d[pos] == '\n') {
		const uint8_t *nl = memchr(d + pos + 1, '\n', len - pos - 1);
		if (nl != NULL && nl > d + pos + 1) {
			char rule[128];
			size_t n = (size_t)(nl - d - pos - 1);
			if (n < sizeof rule) {
				memcpy(rule, d + pos + 1, n);
				rule[n] = '\0';
				struct sql__tz r = { 0 };
				if (posix_parse(rule, &r)) {
					z->has_rule = true;
					z->std_off = r.std_off;
					z->dst_off = r.dst_off;
					z->has_dst = r.has_dst;
					z->start = r.start;
					z->end = r.end;
				}
			}
		}
	}
	return true;
}

/* A name the tz database could hold: letters, digits, _ + - and /
 * between components that do not start with a dot. */
static bool tz_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TZ_MAX_NAME || name[0] == '/') {
		return false;
	}
	for (const char *p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("_+-/", *p) == NULL) {
			return false;
		}
		if ((p == name || p[-1] == '/') && (*p == '.' || *p == '/')) {
			return false;
		}
	}
	return true;
}

/* The file of zone @name, components matched without regard to case;
 * @path gets it.  false if there is none. */
static bool tz_path(const char *name, char *path, size_t cap)
{
	size_t len = (size_t)snprintf(path, cap, "%s", TZ_DIR);
	const char *p = name;
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len + 1 + n + 1 > cap) {
			return false;
		}
		path[len] = '/';
		memcpy(path + len + 1, p, n);
		path[len + 1 + n] = '\0';
		struct stat st;
		if (stat(path, &st) != 0) {
			/* Look for the component in another case. */
			path[len] = '\0';
			DIR *dir = opendir(path);
			bool found = false;
			if (dir != NULL) {
				struct dirent *de;
				while ((de = readdir(dir)) != NULL) {
					if (strlen(de->d_name) == n &&
					    strncasecmp(de->d_name, p, n) ==
						    0) {
						memcpy(path + len + 1,
						       de->d_name, n);
						found = true;
						break;
					}
				}
				closedir(dir);
			}
			path[len] = '/';
			if (!found) {
				return false;
			}
		}
		len += 1 + n;
		p += n;
		if (*p == '/') {
			p++;
		}
	}
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool tz_load(const char *name, struct sql__tz *z)
{
	char path[sizeof TZ_DIR + TZ_MAX_NAME + 2];
	if (!tz_name_ok(name) || !tz_path(name, path, sizeof path)) {
		return false;
	}
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return false;
	}
	uint8_t *buf = tr_malloc(TZ_MAX_FILE);
	size_t len = buf != NULL ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
	fclose(f);
	bool ok = buf != NULL && len < TZ_MAX_FILE && tzif_parse(buf, len, z);
	tr_free(buf);
	return ok;
}

/* ---------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------- */

void sql__tz_free(struct sql__tz *z)
{
	if (z != NULL) {
		tr_free(z->at);
		tr_free(z->off);
		tr_free(z);
	}
}

struct sql__tz *sql__tz_find(const char *name, bool *oom)
{
	*oom = false;
	struct sql__tz *z = tr_calloc(1, sizeof *z);
	if (z == NULL) {
		*oom = true;
		return NULL;
	}
	char low[16];
	size_t n = strlen(name);
	if (n < sizeof low) {
		for (size_t i = 0; i <= n; i++) {
			low[i] = (char)tolower((unsigned char)name[i]);
		}
		for (size_t i = 0; i < TR_ARRAY_LEN(abbrevs); i++) {
			if (strcmp(abbrevs[i].name, low) == 0) {
				z->off_before = abbrevs[i].off;
				return z;
			}
		}
	}
	if (tz_load(name, z)) {
		return z;
	}
	tr_free(z->at);
	tr_free(z->off);
	memset(z, 0, sizeof *z);
	if (n > 0 && n <= TZ_MAX_NAME && posix_parse(name, z)) {
		return z;
	}
	tr_free(z);
	return NULL;
}

struct sql__tz *sql__tz_fixed(int32_t offset)
{
	struct sql__tz *z = tr_calloc(1, sizeof *z);
	if (z != NULL) {
		z->off_before = offset;
	}
	return z;
}
