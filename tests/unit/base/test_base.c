/*
 * Unit tests for base/: buffers, cursors, arena, queue, allocator faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"

static void test_buf_puts_are_big_and_little_endian(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_be32(&b, 0x01020304);
	tr_buf_put_le32(&b, 0x01020304);
	tr_buf_put_be16(&b, 0x0506);
	tr_buf_put_cstr(&b, "ab");
	assert_int_equal(tr_buf_err(&b), TR_OK);
	const uint8_t want[] = { 1, 2, 3, 4, 4, 3, 2, 1, 5, 6, 'a', 'b', 0 };
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	tr_buf_close(&b);
}

static void test_buf_limit_is_sticky(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 8);
	tr_buf_put_be32(&b, 1);
	tr_buf_put_be32(&b, 2);
	tr_buf_put_u8(&b, 3);
	assert_int_equal(tr_buf_err(&b), TR_ETOOBIG);
	tr_buf_put_u8(&b, 4); /* no-op after the failure */
	assert_int_equal(b.len, 8);
	tr_buf_close(&b);
}

static void test_buf_oom_is_sticky(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_alloc_fault(0, 1);
	tr_buf_put_u8(&b, 1);
	tr_alloc_fault(-1, 0);
	assert_int_equal(tr_buf_err(&b), TR_ENOMEM);
	tr_buf_put_u8(&b, 2);
	assert_int_equal(b.len, 0);
	tr_buf_reset(&b);
	tr_buf_put_u8(&b, 2);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	tr_buf_close(&b);
}

static void test_buf_printf_and_backfill(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_be32(&b, 0);
	tr_buf_printf(&b, "x=%d", 42);
	tr_buf_set_be32(&b, 0, (uint32_t)b.len);
	assert_int_equal(tr_load_be32(b.data), 8);
	assert_string_equal(tr_buf_cstr(&b) + 4, "x=42");
	tr_buf_consume(&b, 4);
	assert_string_equal(tr_buf_cstr(&b), "x=42");
	tr_buf_close(&b);
}

static void test_cursor_never_reads_past_end(void **state)
{
	const uint8_t bytes[] = { 0, 0, 0, 7, 'h', 'i' };
	struct tr_cursor c;
	uint32_t v;
	uint64_t w;
	const char *s;
	tr_cursor_init(&c, bytes, sizeof bytes);
	assert_int_equal(tr_cursor_get_be32(&c, &v), TR_OK);
	assert_int_equal(v, 7);
	assert_int_equal(tr_cursor_get_le64(&c, &w), TR_EPROTO);
	assert_int_equal(c.left, 2); /* unchanged on failure */
	/* "hi" has no NUL inside the span. */
	assert_int_equal(tr_cursor_get_cstr(&c, &s), TR_EPROTO);
	assert_int_equal(tr_cursor_expect_end(&c), TR_EPROTO);
	assert_int_equal(tr_cursor_skip(&c, 2), TR_OK);
	assert_int_equal(tr_cursor_expect_end(&c), TR_OK);
}

static void test_cursor_cstr_every_truncation(void **state)
{
	const char msg[] = "user\0alice\0";
	for (size_t n = 0; n <= sizeof msg - 1; n++) {
		struct tr_cursor c;
		const char *a;
		const char *b;
		tr_cursor_init(&c, msg, n);
		int rv = tr_cursor_get_cstr(&c, &a);
		if (rv == TR_OK) {
			rv = tr_cursor_get_cstr(&c, &b);
		}
		if (n == sizeof msg - 1) {
			assert_int_equal(rv, TR_OK);
			assert_string_equal(b, "alice");
		} else {
			assert_int_equal(rv, TR_EPROTO);
		}
	}
}

static void test_arena_alignment_and_reset(void **state)
{
	struct tr_arena a;
	tr_arena_init(&a, 64);
	char *p = tr_arena_alloc(&a, 3);
	char *q = tr_arena_alloc(&a, 5);
	assert_non_null(p);
	assert_int_equal((uintptr_t)q % 16, 0);
	char *big = tr_arena_alloc(&a, 1000); /* larger than a block */
	assert_non_null(big);
	memset(big, 'x', 1000);
	char *s = tr_arena_printf(&a, "%s-%d", "n", 7);
	assert_string_equal(s, "n-7");
	tr_arena_reset(&a);
	assert_non_null(tr_arena_strdup(&a, "again"));
	tr_arena_close(&a);
}

static void test_arena_oom_returns_null(void **state)
{
	struct tr_arena a;
	tr_arena_init(&a, 64);
	tr_alloc_fault(0, 1);
	assert_null(tr_arena_alloc(&a, 8));
	tr_alloc_fault(-1, 0);
	assert_non_null(tr_arena_alloc(&a, 8));
	tr_arena_close(&a);
}

struct item {
	int v;
	struct tr_queue link;
};

static void test_queue_fifo(void **state)
{
	struct tr_queue h;
	struct item items[3] = { { 1, { 0 } }, { 2, { 0 } }, { 3, { 0 } } };
	tr_queue_init(&h);
	assert_true(tr_queue_empty(&h));
	for (int i = 0; i < 3; i++) {
		tr_queue_push(&h, &items[i].link);
	}
	tr_queue_remove(&items[1].link);
	int seen[3];
	int n = 0;
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &h) {
		seen[n++] = TR_QUEUE_DATA(q, struct item, link)->v;
	}
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 3);
}

static void test_errmsg_wrap(void **state)
{
	char msg[TR_ERRMSG_SIZE];
	tr_errmsg_printf(msg, "invalid int4 text");
	tr_errmsg_wrapf(msg, "parameter %d", 3);
	tr_errmsg_wrapf(msg, "bind");
	assert_string_equal(msg, "bind: parameter 3: invalid int4 text");
	assert_string_equal(tr_strerror(TR_EPROTO), "protocol violation");
	assert_string_equal(tr_strerror(9999), "unknown error");
}

static void test_escape_control_bytes(void **state)
{
	char out[32];
	tr_escape(out, sizeof out, "a\nb\\\x01", 5);
	assert_string_equal(out, "a\\x0ab\\x5c\\x01");
	tr_escape(out, 4, "abcdef", 6);
	assert_string_equal(out, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_puts_are_big_and_little_endian),
		cmocka_unit_test(test_buf_limit_is_sticky),
		cmocka_unit_test(test_buf_oom_is_sticky),
		cmocka_unit_test(test_buf_printf_and_backfill),
		cmocka_unit_test(test_cursor_never_reads_past_end),
		cmocka_unit_test(test_cursor_cstr_every_truncation),
		cmocka_unit_test(test_arena_alignment_and_reset),
		cmocka_unit_test(test_arena_oom_returns_null),
		cmocka_unit_test(test_queue_fifo),
		cmocka_unit_test(test_errmsg_wrap),
		cmocka_unit_test(test_escape_control_bytes),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
