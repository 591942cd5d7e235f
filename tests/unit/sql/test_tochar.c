/*
 * Unit tests for sql/tochar.c: to_char of numbers, intervals, timestamps
 * and dates.  Each query is translated (sql_parse), run on an in-memory
 * SQLite with sql_functions_register, and its one value (or its SQLSTATE
 * and message) compared with what PostgreSQL 15.18 answered for the same
 * query (captured from a throwaway server initialised with --locale=C,
 * TimeZone UTC).  The cases cover every numeric template pattern, the
 * argument types (int4, int8, int2 as float8, float4, float8, numeric
 * with its exact digits), the template errors, and the date/time
 * patterns on intervals, timestamps, timestamptz and dates; the direct
 * tests below reach values a literal cannot write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sql/sql.h"
#include "sql/sql_int.h"

#include "mirror_fixture.h" /* setup, teardown: a database as the mirror */

struct tcase {
	const char *pg;
	const char *want;    /* the value ("<NULL>"), or the SQLSTATE */
	const char *message; /* the error's message; NULL for a value */
};

/* Captured from PostgreSQL 15.18. */
static const struct tcase cases[] = {
	{ "select to_char(-(123456789012345678901234.5::numeric), "
	  "'999999999999999999999999999.99')",
	  "   -123456789012345678901234.50", NULL },
	{ "select to_char(-((-1.5)::numeric), '9.99')", " 1.50", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'YYYY-MM-DD HH24:MI:SS.MS US FF1 FF4')",
	  "2024-02-05 14:07:09.123 123456 1 1234", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', 'Day Dy DAY DY day dy Month Mon MONTH MON month mon|')",
	  "Monday    Mon MONDAY    MON monday    mon February  Feb FEBRUARY  FEB february  feb|",
	  NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', 'FMDay FMMonth TMDay TMMonth FMDD FMHH12 FMMI')",
	  "Monday February Monday February 5 2 7", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', 'DDth DDTH FMDDth Dth IDth MMth HH24th Jth YYYYth')",
	  "05th 05TH 5th 2nd 1st 02nd 14th 2460346th 2024th", NULL },
	{ "select to_char(timestamp '2021-01-03 00:00:00', 'IYYY-IW-ID IDDD WW W Q D')",
	  "2020-53-7 371 01 1 1 1", NULL },
	{ "select to_char(timestamp '2020-12-31 12:00:00', 'IYYY IYY IY I IW IDDD DDD')",
	  "2020 020 20 0 53 368 366", NULL },
	{ "select to_char(timestamp '2024-12-30 12:00:00', 'IYYY IW YYYY WW')",
	  "2025 01 2024 53", NULL },
	{ "select to_char(timestamp '1999-07-04 00:00:00', 'HH HH12 AM am A.M. p.m. SSSS SSSSS')",
	  "12 12 AM am A.M. a.m. 0 0", NULL },
	{ "select to_char(timestamp '0001-01-01 00:00', 'YYYY Y,YYY CC AD BC a.d. b.c. J RM rm')",
	  "0001 0,001 01 AD AD a.d. a.d. 1721426 I    i   ", NULL },
	{ "select to_char(timestamp '9999-12-31 23:59:59.999999', 'Y,YYY CC J US RM')",
	  "9,999 100 5373484 999999 XII ", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', 'TZ tz OF TZH TZM FMOF')",
	  "  +00 +00 00 +0", NULL },
	{ "select to_char(timestamptz '2024-02-05 14:07:09+00', 'TZ tz OF TZH:TZM')",
	  "UTC utc +00 +00:00", NULL },
	{ "select to_char(timestamptz '2024-06-15 23:30:00+05:30', 'YYYY-MM-DD HH24:MI TZ')",
	  "2024-06-15 18:00 UTC", NULL },
	{ "select to_char(date '2024-02-05', 'YYYY-MM-DD HH24 TZ Day')",
	  "2024-02-05 00 UTC Monday   ", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', '\"Q\"Q \"W\"W \\\"x\\\" FX Hh FMx')",
	  "Q1 W1 \"x\"  Hh x", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09', '')", "<NULL>",
	  NULL },
	{ "select to_char(date '2024-02-05', '')", "<NULL>", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'CCHhIYYY,YYYddtz')",
	  "21Hh2024,02405", NULL },
	{ "select to_char(timestamptz '2024-02-05 14:07:09+00', 'p.m.dyYYYJMONTH')",
	  "p.m.mon0242460346FEBRUARY ", NULL },
	{ "select to_char(date '2024-02-05', 'SPpm')", "SPam", NULL },
	{ "select to_char(timestamptz '2024-06-15 23:30:00+05:30', 'FF3IDDyDyIW')",
	  "0006SatSat24", NULL },
	{ "select to_char(now()::date - now()::date + date '2022-01-02', 'rmssMONQ')",
	  "i   00JAN1", NULL },
	{ "select to_char('2024-05-05 05:05:05'::timestamp, 'ADYYYYAD')",
	  "AD2024AD", NULL },
	{ "select to_char(timestamp '2020-12-28 12:00', 'p.m.DySPIW')",
	  "p.m.Mon53", NULL },
	{ "select to_char(now()::date - now()::date + date '2022-01-02', '\"text\"')",
	  "text", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'YYYYADfmJ')",
	  "2024AD2460676", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'AMSPQMonMSa.d.')",
	  "PM4Dec000a.d.", NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'fmMonth')", "January",
	  NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'FF3IDDD')", "000369",
	  NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'FMMonthMONFF1DDx')",
	  "FebruaryFEB105x", NULL },
	{ "select to_char(timestamp '0001-01-01 00:00', 'monthYYYYMONTHADMonth')",
	  "january  0001JANUARY  ADJanuary  ", NULL },
	{ "select to_char(timestamp '2024-02-29 06:30:00.5', '\"text\"')",
	  "text", NULL },
	{ "select to_char(timestamp '2021-01-03 00:00:00', 'b.c.FMDay')",
	  "a.d.Sunday", NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'IYYYCC:AM')",
	  "202621:AM", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'tmSSMIFM')", "5959",
	  NULL },
	{ "select to_char(date '2023-01-01', 'YYYJday')", "0232459946sunday   ",
	  NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'amss')",
	  "pm09", NULL },
	{ "select to_char(timestamp '2021-01-03 00:00:00', 'WWOFmissHH')",
	  "01+00000012", NULL },
	{ "select to_char(timestamp '2020-12-28 12:00', 'p.m.WW SS')",
	  "p.m.52 00", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', '-a.d.ssxthTZH')",
	  "-a.d.09xth+00", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'HH12')",
	  "02", NULL },
	{ "select to_char('2024-05-05 05:05:05'::timestamp, 'tzIDamSSSSMon')",
	  "7am18305May", NULL },
	{ "select to_char(timestamptz '2024-02-05 14:07:09+00', 'Y,YYYWamHh')",
	  "2,0241pmHh", NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'FMMonFMMonthDayID')",
	  "JanJanuaryFriday   5", NULL },
	{ "select to_char(timestamp '2020-12-28 12:00', 'amammon')", "pmpmdec",
	  NULL },
	{ "select to_char(date '2024-02-05', 'WDY')", "1MON", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'miTZHIY')",
	  "59+0025", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'MIAMSSSSS')",
	  "59PM86399", NULL },
	{ "select to_char(timestamptz '2024-02-05 14:07:09+00', 'USmi\"text\"')",
	  "00000007text", NULL },
	{ "select to_char(timestamp '2024-02-29 06:30:00.5', 'FMMonth')",
	  "February", NULL },
	{ "select to_char(timestamp '9999-12-31 23:59:59.999999', 'TMDayTMMonthSSSSStmtzBC')",
	  "FridayDecember86399AD", NULL },
	{ "select to_char(date '2023-01-01', 'YYYYFMPMHHFF6')",
	  "2023AM12000000", NULL },
	{ "select to_char(timestamp '1900-03-01 11:11:11', 'amRMTMDayIYYYYYYtm')",
	  "amIII Thursday1900900", NULL },
	{ "select to_char(now()::date - now()::date + date '2022-01-02', 'mon')",
	  "jan", NULL },
	{ "select to_char(timestamp '1900-03-01 11:11:11', 'fm')", "", NULL },
	{ "select to_char('2024-05-05 05:05:05'::timestamp, 'JSSSSSBCIYYYthth')",
	  "246043618305AD2024thth", NULL },
	{ "select to_char(date '2023-01-01', 'pmFF3-W')", "am000-1", NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'USFX')", "000000",
	  NULL },
	{ "select to_char(timestamptz '2024-02-05 14:07:09+00', 'DDADIYYOFHH')",
	  "05AD024+0002", NULL },
	{ "select to_char(date '2024-02-05', 'TMMonth')", "February", NULL },
	{ "select to_char(date '2024-02-05', 'SPWPMIYY:MI')", "SP1AM024:00",
	  NULL },
	{ "select to_char(timestamp '0001-01-01 00:00', 'IWYYYY')", "010001",
	  NULL },
	{ "select to_char(timestamp '1999-07-04 12:00:00', 'FMMonthmiYYY')",
	  "July00999", NULL },
	{ "select to_char(date '2024-02-05', 'p.m.RMHH12')", "a.m.II  12",
	  NULL },
	{ "select to_char(date '2023-01-01', 'pmTMDayYYOFTZ')",
	  "amSunday23+00UTC", NULL },
	{ "select to_char(date '2024-02-05', 'DDD')", "036", NULL },
	{ "select to_char(timestamp '2024-12-31 23:59:59', 'TMDayMONWYYYdy')",
	  "TuesdayDEC5024tue", NULL },
	{ "select to_char(timestamp '9999-12-31 23:59:59.999999', 'Y,YYY')",
	  "9,999", NULL },
	{ "select to_char(timestamp '1900-03-01 11:11:11', 'p.m.')", "a.m.",
	  NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'RM')", "I   ", NULL },
	{ "select to_char(now()::date - now()::date + date '2022-01-02', 'fmtz')",
	  "utc", NULL },
	{ "select to_char(timestamp '2024-02-05 14:07:09.123456', 'IYDDmonthIWfm')",
	  "2405february 06", NULL },
	{ "select to_char(now()::date - now()::date + date '2022-01-02', 'ADPMSS')",
	  "ADAM00", NULL },
	{ "select to_char(timestamp '2027-01-01 00:00', 'ddHH12')", "0112",
	  NULL },
	{ "select to_char(timestamp '0001-01-01 00:00', 'IWMMJ')",
	  "01011721426", NULL },
	{ "select to_char(timestamp '2024-02-29 06:30:00.5', 'IYYYHH')",
	  "202406", NULL },
	{ "select to_char(timestamp '2020-12-28 12:00', 'WWOFTMDayDY')",
	  "52+00MondayMON", NULL },
	{ "select to_char(1234.5, '9999.99')", " 1234.50", NULL },
	{ "select to_char(-1234.5, '9999.99')", "-1234.50", NULL },
	{ "select to_char(0.5, '9.99')", "  .50", NULL },
	{ "select to_char(0.5, '0.99')", " 0.50", NULL },
	{ "select to_char(42, '000')", " 042", NULL },
	{ "select to_char(-42, '00000')", "-00042", NULL },
	{ "select to_char(0, '9')", " 0", NULL },
	{ "select to_char(0, 'FM9')", "0", NULL },
	{ "select to_char(1234567.891, 'FM9,999,999.00')", "1,234,567.89",
	  NULL },
	{ "select to_char(1234567.891, '9G999G999D99')", " 1,234,567.89",
	  NULL },
	{ "select to_char(12, '9,999')", "    12", NULL },
	{ "select to_char(1.5, 'FM9990.00')", "1.50", NULL },
	{ "select to_char(1.5, 'FM9.99')", "1.5", NULL },
	{ "select to_char(2, 'FM9.99')", "2.", NULL },
	{ "select to_char(0.0, 'FM9.99')", "0.", NULL },
	{ "select to_char(0.05, 'FM0.09')", "0.05", NULL },
	{ "select to_char(12345, '999')", " ###", NULL },
	{ "select to_char(12.345, '9.99')", " #.##", NULL },
	{ "select to_char(-1234, '99')", "-##", NULL },
	{ "select to_char(0.5, '.99')", " .##", NULL },
	{ "select to_char(-12, 'S999')", " -12", NULL },
	{ "select to_char(12, '999S')", " 12+", NULL },
	{ "select to_char(-12.5, '99.9S')", "12.5-", NULL },
	{ "select to_char(-12, '999MI')", " 12-", NULL },
	{ "select to_char(12, '999MI')", " 12 ", NULL },
	{ "select to_char(12, '999PL')", "  12+", NULL },
	{ "select to_char(5, '9PL')", " 5+", NULL },
	{ "select to_char(-12, 'SG999')", "- 12", NULL },
	{ "select to_char(-12, '999PR')", " <12>", NULL },
	{ "select to_char(12, '999PR')", "  12 ", NULL },
	{ "select to_char(-12, 'FM999PR')", "<12>", NULL },
	{ "select to_char(12, 'L999')", "   12", NULL },
	{ "select to_char(12, '\"Total: \"999')", "Total:   12", NULL },
	{ "select to_char(5, '9 x 9')", "  x  5", NULL },
	{ "select to_char(5, '9\\\"9')", " \" 5", NULL },
	{ "select to_char(5, 'C SP B9')", "   5", NULL },
	{ "select to_char(1234.5, '9.99EEEE')", " 1.23e+03", NULL },
	{ "select to_char(-0.000123, '9.9EEEE')", "-1.2e-04", NULL },
	{ "select to_char(0, '9.99EEEE')", " 0.00e+00", NULL },
	{ "select to_char(999.0, '9.9EEEE')", " 10.0e+02", NULL },
	{ "select to_char(999, '9.9EEEE')", " 1.0e+03", NULL },
	{ "select to_char(999::int8, '9.9EEEE')", " 10.0e+02", NULL },
	{ "select to_char(999::float8, '9.9EEEE')", " 1.0e+03", NULL },
	{ "select to_char(1e10, '9EEEE')", " 1e+10", NULL },
	{ "select to_char(12, '99V9')", " 120", NULL },
	{ "select to_char(12.45, '99V99')", " 1245", NULL },
	{ "select to_char(-3, '9V999')", "-3000", NULL },
	{ "select to_char(0.125, 'FM9V99')", "13", NULL },
	{ "select to_char(1, '9V99999999999')", "  -2147483648", NULL },
	{ "select to_char(1::int8, '9V99999999999999999999')", "22003",
	  "bigint out of range" },
	{ "select to_char(1, '9th')", " 1st", NULL },
	{ "select to_char(2, '9TH')", " 2ND", NULL },
	{ "select to_char(3, 'FM9th')", "3rd", NULL },
	{ "select to_char(11, '99th')", " 11th", NULL },
	{ "select to_char(22, '99th')", " 22nd", NULL },
	{ "select to_char(113, '999th')", " 113th", NULL },
	{ "select to_char(-1, '9th')", "-1", NULL },
	{ "select to_char(12, '9th')", " #", NULL },
	{ "select to_char(1994, 'RN')", "        MCMXCIV", NULL },
	{ "select to_char(4, 'FMRN')", "IV", NULL },
	{ "select to_char(3999, 'rn')", "      mmmcmxcix", NULL },
	{ "select to_char(4000, 'RN')", "###############", NULL },
	{ "select to_char(0, 'FMRN')", "###############", NULL },
	{ "select to_char(2.5, 'FMRN')", "III", NULL },
	{ "select to_char(3.5::float8, 'FMRN')", "IV", NULL },
	{ "select to_char(5, 'RNSG9')", "              V", NULL },
	{ "select to_char(-5, 'RN MI PL')", "###############    ", NULL },
	{ "select to_char(1e10::int8, 'RN')", "22003", "integer out of range" },
	{ "select to_char(0.125::float8, '9.99')", "  .12", NULL },
	{ "select to_char(0.125::numeric, '9.99')", "  .13", NULL },
	{ "select to_char(2.5::float8, '9')", " 2", NULL },
	{ "select to_char(2.5, '9')", " 3", NULL },
	{ "select to_char(1.5::float4, '9.99999999')", " 1.50000", NULL },
	{ "select to_char(1.5::float8, '9.9999999999999999')",
	  " 1.50000000000000", NULL },
	{ "select to_char(1::int2, '9.9999999999999999')", " 1.00000000000000",
	  NULL },
	{ "select to_char(123456789.125::float8, '999999999.999')",
	  " 123456789.125", NULL },
	{ "select to_char(123456789012345678901234.5::numeric, '999999999999999999999999999.99')",
	  "    123456789012345678901234.50", NULL },
	{ "select to_char(0.1234567890123456789::numeric, '0.9999999999999999999')",
	  " 0.1234567890123456789", NULL },
	{ "select to_char(-0.001, '9.99')", "  .00", NULL },
	{ "select to_char(-0.001::float8, '9.99')", " -.00", NULL },
	{ "select to_char('-0'::float8, '9.9')", " -.0", NULL },
	{ "select to_char('NaN'::float8, '9999')", "  NaN", NULL },
	{ "select to_char('NaN'::float8, '9.9EEEE')", " #.#####", NULL },
	{ "select to_char('Infinity'::float8, '9999999999')", "   Infinity",
	  NULL },
	{ "select to_char('-Infinity'::float8, '9999999999')", "  -Infinity",
	  NULL },
	{ "select to_char('NaN'::float8, '999th')", "22P02",
	  "\"NaN\" is not a number" },
	{ "select to_char(9223372036854775807, '9999999999999999999')",
	  " 9223372036854775807", NULL },
	{ "select to_char(-9223372036854775808, '9999999999999999999')",
	  "-9223372036854775808", NULL },
	{ "select to_char(12, '')", "", NULL },
	{ "select to_char(null::int, '9')", "<NULL>", NULL },
	{ "select to_char(1, null)", "<NULL>", NULL },
	{ "select to_char(1, 'EEEE9')", "42601",
	  "\"EEEE\" must be the last pattern used" },
	{ "select to_char(1, '9EEEEEEEE')", "42601",
	  "cannot use \"EEEE\" twice" },
	{ "select to_char(1, 'FM9EEEE')", "42601",
	  "\"EEEE\" is incompatible with other formats" },
	{ "select to_char(1, 'PR9')", "42601",
	  "\"9\" must be ahead of \"PR\"" },
	{ "select to_char(1, '9PR0')", "42601",
	  "\"0\" must be ahead of \"PR\"" },
	{ "select to_char(1, '9.9.9')", "42601", "multiple decimal points" },
	{ "select to_char(1, '9V9.9')", "42601",
	  "cannot use \"V\" and decimal point together" },
	{ "select to_char(1, '9.9V9')", "42601",
	  "cannot use \"V\" and decimal point together" },
	{ "select to_char(1, 'S9S')", "42601", "cannot use \"S\" twice" },
	{ "select to_char(1, 'S9PL')", "42601",
	  "cannot use \"S\" and \"PL\" together" },
	{ "select to_char(1, 'S9MI')", "42601",
	  "cannot use \"S\" and \"MI\" together" },
	{ "select to_char(1, 'S9SG')", "42601",
	  "cannot use \"S\" and \"SG\" together" },
	{ "select to_char(1, 'PL9S')", "42601",
	  "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together" },
	{ "select to_char(1, '9PRS')", "42601",
	  "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together" },
	{ "select to_char(1, '9PRPL')", " 1 +", NULL },
	{ "select to_char(1, 'RN9EEEE')", "42601",
	  "\"EEEE\" is incompatible with other formats" },
	{ "select to_char('1', '9')", "42725",
	  "function to_char(unknown, unknown) is not unique" },
	{ "select to_char(null, '9')", "42725",
	  "function to_char(unknown, unknown) is not unique" },
	{ "select to_char('1'::text, '9')", "42883",
	  "function to_char(text, unknown) does not exist" },
	{ "select to_char(interval '1 day 02:03:04', 'HH24:MI:SS')", "02:03:04",
	  NULL },
	{ "select to_char(interval '30 hours', 'HH24')", "30", NULL },
	{ "select to_char(interval '30 hours', 'HH12 AM')", "06 AM", NULL },
	{ "select to_char(interval '-30 hours', 'HH24:MI')", "-30:00", NULL },
	{ "select to_char(interval '1 year 3 months 22 days 13:04:05.6789', 'YYYY-MM-DD HH24:MI:SS.MS US FF2')",
	  "0001-03-22 13:04:05.678 678900 67", NULL },
	{ "select to_char(interval '1 year 3 months', 'FMYYYY FMMM Q RM')",
	  "1 3 1 III ", NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'YYYY MM DD HH24 MI SS MS US')",
	  "-0001 -02 -1 -02 -03 -04 -500 -500000", NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'Y,YYY YYY YY Y IYYY IW J W WW DDD CC RM rm HH12 SSSS')",
	  "0,-01 -001 -01 -1 -0002 40 1720601 1 -59 -421 00 XI   xi   -02 -7384",
	  NULL },
	{ "select to_char(interval '14 months', 'Y,YYY MM rm')",
	  "0,001 02 ii  ", NULL },
	{ "select to_char(interval '-12 months', 'RM|rm|Q|YYYY')",
	  "I   |i   ||-0001", NULL },
	{ "select to_char(interval '0', 'Q|RM|CC|IYYY|J')", "||00|-001|1721028",
	  NULL },
	{ "select to_char(interval '40 days 25:59:01', 'DDD WW W SSSS DDth FMHH24th')",
	  "040 06 6 93541 40th 25th", NULL },
	{ "select to_char(interval '2 hours 3 minutes', '\"elapsed: \"HH24\"h \"MI\"m\"')",
	  "elapsed: 02h 03m", NULL },
	{ "select to_char(interval '1 year 3 months 22 days 13:04:05', 'FX Hh mi ss Ms hh12TH FMx sp iddd')",
	  " Hh 04 05 Ms 01ST x sp 081", NULL },
	{ "select to_char(interval '178000000 years', 'YYYY Y,YYY CC IYYY WW DDD J IW')",
	  "178000000 178000,000 1780000 177999999 -49215633 -344509440 590376588 48",
	  NULL },
	{ "select to_char(interval '1 day', 'Day')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char(interval '1 month', 'Mon YYYY')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char(interval '1 hour', 'TZ')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char(interval '1 hour', 'BC')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char(interval '1 day', 'D')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char(interval '1 day', '')", "<NULL>", NULL },
	{ "select to_char(1.5, 'LPR9.99EEEE')", "42601",
	  "\"9\" must be ahead of \"PR\"" },
	{ "select to_char(((0.125))::int4, '$9TH')", "$ 0TH", NULL },
	{ "select to_char(interval '1 year 3 months 22 days 13:04:05.6789', 'SSSSDDHhSSSSA.M.')",
	  "4704522Hh47045P.M.", NULL },
	{ "select to_char(interval '23:59:59.999999', 'pm9IYYY')", "pm9-001",
	  NULL },
	{ "select to_char((111)::float8, '000G,MI-')", "111,, -", NULL },
	{ "select to_char((-5)::int2, '9')", "-5", NULL },
	{ "select to_char(interval '12 months', '\\-xIDDD')", "\\-x333", NULL },
	{ "select to_char(((0.05))::int8, 'MI0.9.99L999')", "42601",
	  "multiple decimal points" },
	{ "select to_char(((6.5))::int2, 'SGx000')", "+x007", NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'USpmqccPM')",
	  "-500000am000AM", NULL },
	{ "select to_char((0.125)::numeric, 'MI')", " ", NULL },
	{ "select to_char(interval '1 mon -1 day', 'iwDDD')", "52029", NULL },
	{ "select to_char((12345)::int2, 'V99th')", " ##", NULL },
	{ "select to_char(((7.2))::int8, 'VFM9.99FM9990.00$V')", "42601",
	  "cannot use \"V\" and decimal point together" },
	{ "select to_char((1234)::float8, 'D9.99')", "42601",
	  "multiple decimal points" },
	{ "select to_char(interval '14 months', 'ssmi HH12')", "0000 12",
	  NULL },
	{ "select to_char(interval '999 hours', 'yyyyHH12-ddFF1j')",
	  "000003-0001721028", NULL },
	{ "select to_char((1234)::float4, '0999x $V ')", " 1234x $ ", NULL },
	{ "select to_char((0.05)::numeric(10,3), 'fm')", "", NULL },
	{ "select to_char((12345)::int8, '0')", " #", NULL },
	{ "select to_char(interval '100 years', '\"text\"WDDx')", "text100x",
	  NULL },
	{ "select to_char(interval '12:00', 'ccIYFF3')", "00-1000", NULL },
	{ "select to_char((21)::float4, 'fmRNRN')", "XXIXXI", NULL },
	{ "select to_char(interval '5 months -3 days 12:00', 'SSSS')", "43200",
	  NULL },
	{ "select to_char((21)::float8, 'fm9,')", "#,", NULL },
	{ "select to_char((3999)::int8, 'rn9.99999')", "      mmmcmxcix",
	  NULL },
	{ "select to_char(interval '1 day 02:03:04', '.IDDD9\\MS')",
	  ".3329\\000", NULL },
	{ "select to_char(interval '-30 hours', 'ddqHHMM')", "00-0600", NULL },
	{ "select to_char(interval '0', 'TMFMTH\"text\"yyyyFF6')",
	  "FMTHtext0000000000", NULL },
	{ "select to_char((-1), 'GFM9990.00BC0RN')", "###############", NULL },
	{ "select to_char(interval '2 hours 3 minutes', 'FF69IYYYFF3')",
	  "0000009-001000", NULL },
	{ "select to_char(interval '1 mon -1 day', 'MS')", "000", NULL },
	{ "select to_char(interval '0', 'THTH-')", "THTH-", NULL },
	{ "select to_char(((123456789012345678901234.5))::int2, 'xDG9CFMD')",
	  "22003", "smallint out of range" },
	{ "select to_char((99.999)::numeric(10,3), 'SDD')", "42601",
	  "multiple decimal points" },
	{ "select to_char(((1.5))::int8, '\"x\"FM9990.00$')", "x2.00$", NULL },
	{ "select to_char(interval '12:00', 'Y,YYY-WWDDDFF2MI')",
	  "0,000-010000000", NULL },
	{ "select to_char((-42)::int2, 'S9.99-SG000')", "42601",
	  "cannot use \"S\" and \"SG\" together" },
	{ "select to_char(((0.1))::int4, '0THrné0x')", "###############éx",
	  NULL },
	{ "select to_char(interval '0', 'qFF1RM')", "0", NULL },
	{ "select to_char(0.0, ',9,999')", "      0", NULL },
	{ "select to_char(interval '12:00', 'j\"text\"YYYIYYY,YYYq')",
	  "1721028text000-001,000", NULL },
	{ "select to_char((100)::int8, ' GS9.99G9,999')", "  +#.##,#,###",
	  NULL },
	{ "select to_char(interval '5 months -3 days 12:00', 'MIFF3dddqDDDW')",
	  "0000014721471", NULL },
	{ "select to_char((9.995)::float8, '.9999999999999999é')",
	  " .#############", NULL },
	{ "select to_char(interval '14 months', 'SSIYddFXFF3')", "000100000",
	  NULL },
	{ "select to_char(interval '2 hours 3 minutes', 'WWDD')", "0100",
	  NULL },
	{ "select to_char(7.2, '0PL')", " 7+", NULL },
	{ "select to_char((1e10)::numeric(10,3), '$SPV')", "22003",
	  "numeric field overflow" },
	{ "select to_char(interval '1 day 02:03:04', 'qIYYRM')", "-01", NULL },
	{ "select to_char(interval '999 hours', 'y,yyy\\\"YYYYHH24\\\"')",
	  "0,000\"0000999\"", NULL },
	{ "select to_char(interval '14 months', 'YpmYccIy,yyy')",
	  "1am10010,001", NULL },
	{ "select to_char((5)::float8, '$')", "$", NULL },
	{ "select to_char((99)::int8, '9')", " #", NULL },
	{ "select to_char((12)::int4, 'EEEE')", " 1e+01", NULL },
	{ "select to_char(interval '999 hours', 'FF1rmYYY')", "0000", NULL },
	{ "select to_char((13)::numeric, 'LSSPth9B')", " +#", NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'TH\"text\"')",
	  "THtext", NULL },
	{ "select to_char((22)::float8, 'D,EEEE999PLSP')", "42601",
	  "\"EEEE\" must be the last pattern used" },
	{ "select to_char(interval '7 years 6 months', 'YIWRM')", "722VI  ",
	  NULL },
	{ "select to_char(((1.5e-7))::int2, 'RN999EEEE9-')", "42601",
	  "\"EEEE\" is incompatible with other formats" },
	{ "select to_char(interval '0', 'A.M.THA.M..SSSS')", "A.M.A.M..0",
	  NULL },
	{ "select to_char(interval '-30 hours', 'MIFXHHIYYY')", "00-06-001",
	  NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'AMfm9')",
	  "AM9", NULL },
	{ "select to_char(interval '12:00', 'YYYYRMDDssPM')", "00000000PM",
	  NULL },
	{ "select to_char((-1)::numeric(30,10), '.DDFM9.9EEEE')", "42601",
	  "multiple decimal points" },
	{ "select to_char(interval '-27 months', 'HhIDDDAMMS')", "Hh245AM000",
	  NULL },
	{ "select to_char(interval '00:00:00.000001', 'FXMSAMDyHH24')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char((3.14159)::numeric(10,3), '999.SG,')", "  3", NULL },
	{ "select to_char((1)::float8, 'VD9EEEEPRé')", "42601",
	  "cannot use \"V\" and decimal point together" },
	{ "select to_char(2.675, '0TH9.9EEEE.th')", "42601",
	  "\"EEEE\" must be the last pattern used" },
	{ "select to_char(((-0.5))::int4, '999MI99S')", "42601",
	  "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together" },
	{ "select to_char(((9.995))::int8, '\"x\"FM9.99é LFM')", "x#.##é  ",
	  NULL },
	{ "select to_char(123456789, 'x99.99SGTHFM\"x\"')", "x##.##+x", NULL },
	{ "select to_char(interval '1 day -1 hour', '-SSSSYYYFF1A.M.')",
	  "--36000000A.M.", NULL },
	{ "select to_char((99999)::numeric(10,3), ' ')", " ", NULL },
	{ "select to_char(interval '3 months 1 day', 'Y,YYYI')", "0,0000",
	  NULL },
	{ "select to_char(interval '1 day 02:03:04', 'ddmm')", "0100", NULL },
	{ "select to_char((99.999)::numeric(30,10), 'PR9')", "42601",
	  "\"9\" must be ahead of \"PR\"" },
	{ "select to_char(interval '-27 months', 'FF3yyyythIYYA.M. ')",
	  "000-0002nd-003A.M. ", NULL },
	{ "select to_char((1)::float8, 'SP\"a\\\"b\"')", "a\"b", NULL },
	{ "select to_char(interval '12 months', 'YIYYYFF2Wp.m.FF2')",
	  "10000001a.m.00", NULL },
	{ "select to_char((0)::numeric(10,3), '999 SB.L ')", "  0 ", NULL },
	{ "select to_char(0.125, 'fm')", "", NULL },
	{ "select to_char(interval '999 hours', 'x')", "x", NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'MMMS')",
	  "-02-500", NULL },
	{ "select to_char((-42)::float4, 'PR000000G')", "42601",
	  "\"0\" must be ahead of \"PR\"" },
	{ "select to_char((-1)::numeric(30,10), ',SG\\')", " -\\", NULL },
	{ "select to_char((-1234.567)::numeric(10,3), '9PRTHTH00099.99')",
	  "42601", "\"0\" must be ahead of \"PR\"" },
	{ "select to_char(interval '40 days 25:59:01.123456', 'FF1IYYYMI')",
	  "1000059", NULL },
	{ "select to_char(interval '1000000 hours', 'HhFF2HH12ccHH12p.m.')",
	  "Hh00040004p.m.", NULL },
	{ "select to_char((123456789)::float4, '9SGPL')", "#++", NULL },
	{ "select to_char(interval '-1234 years', 'FF5')", "00000", NULL },
	{ "select to_char((13)::numeric(10,3), 'SGrnMIB')", "", NULL },
	{ "select to_char(interval '1 mon -1 day', 'ssmmFF5')", "000100000",
	  NULL },
	{ "select to_char(interval '2 hours 3 minutes', 'Wmm')", "100", NULL },
	{ "select to_char(((6.5))::int2, 'PR9.9EEEErnRN')", "42601",
	  "\"9\" must be ahead of \"PR\"" },
	{ "select to_char((1000)::numeric, 'eeeeFM\\\"99V99FM')", "42601",
	  "\"EEEE\" must be the last pattern used" },
	{ "select to_char((9999)::numeric, '9.99EEEE-')", " 10.00e+03", NULL },
	{ "select to_char(interval '1 day -1 hour', 'HH12A.M.yyyy')",
	  "-01A.M.0000", NULL },
	{ "select to_char(interval '5 months -3 days 12:00', 'ITM')", "0",
	  NULL },
	{ "select to_char(interval '5 months -3 days 12:00', 'mm')", "05",
	  NULL },
	{ "select to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'Q WW')",
	  "0 -59", NULL },
	{ "select to_char((0)::float8, 'THRN9,9999SSG')", "42601",
	  "cannot use \"S\" and \"SG\" together" },
	{ "select to_char((7.2)::float4, '9L99')", "    7", NULL },
	{ "select to_char((100)::numeric(10,3), '9\\LPR')", " # \\ ", NULL },
	{ "select to_char(interval '2 hours 3 minutes', 'FMqrmIW')", "48",
	  NULL },
	{ "select to_char(interval '12:00', 'IYY')", "-01", NULL },
	{ "select to_char((12345)::numeric, 'RN')", "###############", NULL },
	{ "select to_char(3999, 'fmSVEEEE')", "42601",
	  "\"EEEE\" is incompatible with other formats" },
	{ "select to_char((6.5)::numeric, '9')", " 7", NULL },
	{ "select to_char(interval '14 months', 'FF3 IYI-DDD')", "000 011-420",
	  NULL },
	{ "select to_char(interval '0', 'Hh')", "Hh", NULL },
	{ "select to_char(interval '11 months', 'rmTMCC')", "xi  00", NULL },
	{ "select to_char(interval '1 mon -1 day', 'TZMFF3y,yyyFF1')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char((0.001)::float4, 'TH')", "22P02",
	  "\".\" is not a number" },
	{ "select to_char(interval '999 hours', 'QHhMIY,YYYDDD')",
	  "Hh000,000000", NULL },
	{ "select to_char(interval '1 day -1 hour', 'FF4IDDDTZfmHH')", "22007",
	  "invalid format specification for an interval value" },
	{ "select to_char((7.2)::numeric, '99999999999999999999999.9EEEETm')",
	  " 7.2e+00", NULL },
	{ "select to_char(42, '0S$')", "#+$", NULL },
};


/* Run @pg; the value of its one column, or NULL with @err set. */
static const char *run(struct fixture *f, const char *pg, struct sql_error *err)
{
	struct sql_batch b;
	if (sql_parse(&f->a, pg, &b, err) != TR_OK) {
		return NULL;
	}
	assert_int_equal(b.n_stmts, 1);
	if (b.stmts[0].failed) {
		*err = b.stmts[0].error;
		return NULL;
	}
	sqlite3_stmt *ps;
	assert_int_equal(
		sqlite3_prepare_v2(f->db, b.stmts[0].sqlite, -1, &ps, NULL),
		SQLITE_OK);
	const char *res = NULL;
	if (sqlite3_step(ps) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(ps, 0);
		res = tr_arena_strdup(&f->a,
				      t != NULL ? (const char *)t : "<NULL>");
	} else {
		sql_error_from_sqlite(err, &f->a,
				      (uint64_t)sqlite3_extended_errcode(f->db),
				      sqlite3_errmsg(f->db));
	}
	sqlite3_finalize(ps);
	return res;
}

static void test_matches_postgres(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		struct sql_error err = { .message = NULL };
		const char *got = run(f, c->pg, &err);
		if (c->message == NULL) {
			if (got == NULL || strcmp(got, c->want) != 0) {
				fail_msg("%s: got <%s> (%s %s), want <%s>",
					 c->pg, got != NULL ? got : "",
					 got != NULL ? "" : err.sqlstate,
					 got != NULL ? "" : err.message,
					 c->want);
			}
		} else if (got != NULL || strcmp(err.sqlstate, c->want) != 0 ||
			   strcmp(err.message, c->message) != 0) {
			fail_msg("%s: got <%s> %s %s, want %s %s", c->pg,
				 got != NULL ? got : "", err.sqlstate,
				 err.message != NULL ? err.message : "",
				 c->want, c->message);
		}
		tr_arena_reset(&f->a);
	}
}

/* The detail and hint PostgreSQL adds to two of the errors. */
static void test_error_detail_and_hint(void **state)
{
	struct fixture *f = *state;
	struct sql_error err = { .message = NULL };
	assert_null(run(f, "select to_char(1, 'S9.9EEEE')", &err));
	assert_string_equal(err.sqlstate, "42601");
	assert_string_equal(err.detail, "\"EEEE\" may only be used together "
					"with digit and decimal point "
					"patterns.");
	assert_null(run(f, "select to_char(interval '1 day', 'HH Dy')", &err));
	assert_string_equal(err.sqlstate, "22007");
	assert_string_equal(err.hint,
			    "Intervals are not tied to specific calendar "
			    "dates.");
	assert_null(run(f, "select to_char('1', '9')", &err));
	assert_string_equal(err.sqlstate, "42725");
	assert_string_equal(err.hint, "Could not choose a best candidate "
				      "function. You might need to add "
				      "explicit type casts.");
}

/* The translator passes the argument's static type and a numeric's
 * exact digits. */
static void test_translation(void **state)
{
	struct fixture *f = *state;
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a,
				   "select to_char(12345678901234567890.5, "
				   "'9'), to_char(1.5::numeric, '9'), "
				   "to_char(2::int8, '9'), to_char(interval "
				   "'1 day', 'DD')",
				   &b, &err),
			 TR_OK);
	assert_false(b.stmts[0].failed);
	assert_non_null(strstr(b.stmts[0].sqlite,
			       "pg_to_char('12345678901234567890.5', '9', "
			       "1700)"));
	assert_non_null(
		strstr(b.stmts[0].sqlite, "pg_to_char('1.5', '9', 1700)"));
	assert_non_null(strstr(b.stmts[0].sqlite, ", '9', 20)"));
	assert_non_null(strstr(b.stmts[0].sqlite, ", 'DD', 1186)"));
	assert_int_equal(sql_parse(&f->a,
				   "select to_char(-(1.5::numeric), '9')", &b,
				   &err),
			 TR_OK);
	assert_non_null(strstr(b.stmts[0].sqlite,
			       "pg_to_char('-' || '1.5', '9', 1700)"));
}

static const char *num(const struct sql__tochar_num *v, const char *fmt,
		       char *buf, size_t cap, struct sql__tochar_err *err)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	bool ok = sql__to_char_num(v, fmt, strlen(fmt), &b, err);
	snprintf(buf, cap, "%s", ok ? tr_buf_cstr(&b) : "");
	tr_buf_close(&b);
	return ok ? buf : NULL;
}

/* Numerics as they travel: decimal text (exponents, all the digits),
 * INTEGER, REAL (the shortest decimal); and text that is no number. */
static void test_numeric_values(void **state)
{
	TR_UNUSED(state);
	char buf[256];
	struct sql__tochar_err err;
	struct sql__tochar_num v = { .kind = SQL_TOCHAR_NUMERIC,
				     .text = "1.23456789012345678901234567e3" };
	/* PostgreSQL: to_char(1.23456789012345678901234567e3,
	 * '9999.999999999999999999999') */
	assert_string_equal(
		num(&v, "9999.999999999999999999999", buf, sizeof buf, &err),
		" 1234.567890123456789012346");
	v.text = "-99.995";
	assert_string_equal(num(&v, "99.99", buf, sizeof buf, &err), "-##.##");
	assert_string_equal(num(&v, "999.99", buf, sizeof buf, &err),
			    "-100.00");
	v.text = "NaN";
	assert_string_equal(num(&v, "9999", buf, sizeof buf, &err), "  NaN");
	assert_string_equal(num(&v, "9.9EEEE", buf, sizeof buf, &err),
			    " #.#####");
	assert_null(num(&v, "RN", buf, sizeof buf, &err));
	assert_string_equal(err.sqlstate, "0A000");
	assert_string_equal(err.message, "cannot convert NaN to integer");
	v.text = "-Infinity";
	assert_string_equal(num(&v, "999999999", buf, sizeof buf, &err),
			    " -Infinity");
	v.text = "1e999999";
	assert_null(num(&v, "9", buf, sizeof buf, &err));
	assert_string_equal(err.sqlstate, "22003");
	v.text = "12abc";
	assert_null(num(&v, "9", buf, sizeof buf, &err));
	assert_string_equal(err.sqlstate, "22P02");
	v.text = NULL;
	v.is_real = true;
	v.real = 0.1 + 0.2; /* shortest: 0.30000000000000004 */
	assert_string_equal(
		num(&v, "9.99999999999999999", buf, sizeof buf, &err),
		"  .30000000000000004");
	v.is_real = false;
	v.integer = INT64_MIN;
	assert_string_equal(
		num(&v, "9999999999999999999", buf, sizeof buf, &err),
		"-9223372036854775808");
	v.kind = SQL_TOCHAR_INT8;
	assert_null(num(&v, "RN", buf, sizeof buf, &err));
	assert_string_equal(err.message, "integer out of range");
}

static const char *iv(int32_t months, int32_t days, int64_t usec,
		      const char *fmt, char *buf, size_t cap)
{
	struct tr_buf b;
	struct sql__tochar_err err;
	tr_buf_init(&b, 0);
	bool ok = sql__to_char_interval(months, days, usec, fmt, strlen(fmt),
					&b, &err);
	snprintf(buf, cap, "%s", ok ? tr_buf_cstr(&b) : err.sqlstate);
	tr_buf_close(&b);
	return buf;
}

/* The far ends of an interval (PostgreSQL's int arithmetic wraps). */
static void test_interval_extremes(void **state)
{
	TR_UNUSED(state);
	char buf[256];
	/* PostgreSQL: to_char(interval '2147483647 days
	 * 2562047788:00:54.775807', 'DD HH24 SSSS DDD WW W J') */
	assert_string_equal(iv(0, INT32_MAX, INT64_MAX,
			       "DD HH24 SSSS DDD WW W J", buf, sizeof buf),
			    "2147483647 2562047788 9223372036854 2147483647 "
			    "306783379 306783379 -2145762621");
	/* to_char(interval '178000000 years', 'YYYY Y,YYY CC IYYY WW DDD
	 * J IW') */
	assert_string_equal(iv(178000000 * 12, 0, 0,
			       "YYYY Y,YYY CC IYYY WW DDD J IW", buf,
			       sizeof buf),
			    "178000000 178000,000 1780000 177999999 "
			    "-49215633 -344509440 590376588 48");
	assert_string_equal(iv(0, 0, 0, "Day", buf, sizeof buf), "22007");
	assert_string_equal(iv(1, 0, 0, "", buf, sizeof buf), "");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_matches_postgres),
		T(test_error_detail_and_hint),
		T(test_translation),
		cmocka_unit_test(test_numeric_values),
		cmocka_unit_test(test_interval_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
