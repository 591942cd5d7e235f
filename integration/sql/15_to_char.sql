-- to_char of numbers and intervals: PostgreSQL's numeric template
-- patterns (digits, sign positions, fill mode, overflow, scientific,
-- Roman numerals, ordinals) for each numeric type, the date/time
-- patterns applied to an interval's fields, and the rarer date/time
-- patterns of timestamps and dates.  Tables are prefixed c15_.

SELECT to_char(1234.5, '9999.99') AS a, to_char(-1234.5, '9999.99') AS b, to_char(0.5, '9.99') AS c, to_char(0.5, '0.99') AS d;
SELECT to_char(42, '000') AS a, to_char(-42, '00000') AS b, to_char(7, '099') AS c, to_char(0, '9') AS d, to_char(0, 'FM9') AS e;
SELECT to_char(1234567.891, 'FM9,999,999.00') AS a, to_char(1234567.891, '9G999G999D99') AS b, to_char(12, '9,999') AS c;
SELECT to_char(1.5, 'FM9990.00') AS a, to_char(1.5, 'FM9.99') AS b, to_char(2, 'FM9.99') AS c, to_char(0.0, 'FM9.99') AS d, to_char(10, 'FM9990.0') AS e;
SELECT to_char(12345, '999') AS a, to_char(12.345, '9.99') AS b, to_char(-1234, '99') AS c, to_char(0.5, '.99') AS d;
SELECT to_char(-12, 'S999') AS a, to_char(12, 'S999') AS b, to_char(12, '999S') AS c, to_char(-12.5, '99.9S') AS d, to_char(-5, 'FMS9') AS e;
SELECT to_char(-12, '999MI') AS a, to_char(12, '999MI') AS b, to_char(12, '999PL') AS c, to_char(-12, 'SG999') AS d, to_char(12, 'SG999') AS e;
SELECT to_char(-12, '999PR') AS a, to_char(12, '999PR') AS b, to_char(-12, 'FM999PR') AS c, to_char(12, 'FM999PR') AS d;
SELECT to_char(12, 'L999') AS a, to_char(12, '"Total: "999') AS b, to_char(12, '999" units"') AS c, to_char(5, '9 x 9') AS d;
SELECT to_char(1234.5, '9.99EEEE') AS a, to_char(-0.000123, '9.9EEEE') AS b, to_char(0, '9.99EEEE') AS c, to_char(999.0, '9.9EEEE') AS d;
SELECT to_char(999, '9.9EEEE') AS int4, to_char(999::int8, '9.9EEEE') AS int8, to_char(999::float8, '9.9EEEE') AS f8, to_char(999::numeric, '9.9EEEE') AS num;
SELECT to_char(12, '99V9') AS a, to_char(12.45, '99V99') AS b, to_char(-3, '9V999') AS c, to_char(0.125, 'FM9V99') AS d;
SELECT to_char(1, '9th') AS a, to_char(2, '9TH') AS b, to_char(3, 'FM9th') AS c, to_char(11, '99th') AS d, to_char(22, '99th') AS e, to_char(113, '999th') AS f, to_char(-1, '9th') AS g;
SELECT to_char(1994, 'RN') AS a, to_char(4, 'FMRN') AS b, to_char(3999, 'rn') AS c, to_char(4000, 'RN') AS d, to_char(0, 'FMRN') AS e, to_char(2.5, 'FMRN') AS f;
SELECT to_char(0.125::float8, '9.99') AS f8, to_char(0.125::numeric, '9.99') AS num, to_char(2.5::float8, '9') AS f8_half, to_char(2.5, '9') AS num_half;
SELECT to_char(1.5::float4, '9.99999999') AS f4, to_char(1.5::float8, '9.9999999999999999') AS f8, to_char(123456789.125::float8, '999999999.999') AS f8_big;
SELECT to_char(5::int2, '9.999') AS i2, to_char(5::int4, '9.999') AS i4, to_char(5::int8, '9.999') AS i8, to_char(5::float4, '9.999') AS f4;
SELECT to_char(123456789012345678901234.5::numeric, '999999999999999999999999999.99') AS big, to_char(0.1234567890123456789::numeric, '0.9999999999999999999') AS small;
SELECT to_char('NaN'::float8, '9999') AS nan, to_char('Infinity'::float8, '9999999999') AS inf, to_char('-Infinity'::float8, '9.9EEEE') AS ninf_sci;
CREATE TABLE c15_amounts (id int PRIMARY KEY, amount numeric(10,2), ratio float8, qty int);
INSERT INTO c15_amounts VALUES (1, 1234.5, 0.125, 7), (2, -99.99, 2.5, -12), (3, 0, 1e10, 0);
SELECT id, to_char(amount, 'FM999,990.00') AS amount, to_char(ratio, '9.99EEEE') AS ratio, to_char(qty, 'S000') AS qty FROM c15_amounts ORDER BY id;
SELECT to_char(1, 'EEEE9');
SELECT to_char(1, '9.9.9');
SELECT to_char(1, 'S9S');
SELECT to_char(1, 'PR9');
SELECT to_char(1, 'FM9.9EEEE');
SELECT to_char('1', '9');
SELECT to_char(interval '1 day 02:03:04', 'HH24:MI:SS') AS a, to_char(interval '30 hours', 'HH24') AS b, to_char(interval '30 hours', 'HH12 AM') AS c, to_char(interval '-30 hours', 'HH24:MI') AS d;
SELECT to_char(interval '1 year 3 months 22 days 13:04:05.6789', 'YYYY-MM-DD HH24:MI:SS.MS US FF2') AS a, to_char(interval '1 year 3 months', 'FMYYYY FMMM Q RM') AS b;
SELECT to_char(interval '-1 year -2 months -1 day -02:03:04.5', 'YYYY MM DD HH24 MI SS MS') AS a, to_char(interval '14 months', 'Y,YYY MM rm') AS b, to_char(interval '0', 'Q|RM|CC') AS c;
SELECT to_char(interval '40 days 25:59:01', 'DDD WW W SSSS DDth FMHH24th') AS a, to_char(interval '2 hours 3 minutes', '"elapsed: "HH24"h "MI"m"') AS b;
SELECT to_char(interval '1 day', 'Day');
SELECT to_char(interval '1 month', 'Mon YYYY');
SELECT to_char(interval '1 hour', 'TZ');
SELECT to_char(interval '1 day', '') IS NULL AS empty_is_null, to_char(12, '') AS empty_num;
SELECT to_char('2021-01-03 09:05:07.25'::timestamp, 'IYYY-IW-ID IDDD FMDDth RM Y,YYY CC AD Q W WW J FF2 SSSS') AS iso, to_char('2024-02-05'::date, 'Day|FMDay|TMMonth|Mon DDth TZ OF') AS names;
SELECT to_char('2024-12-31 23:59:59'::timestamptz, 'YYYY-MM-DD"T"HH24:MI:SSOF TZ tz TZH:TZM p.m.') AS tz, to_char('2024-06-01 00:00'::timestamp, 'HH12 AM "Q"Q FMHH12th') AS h12;
