/*
 * base/base.h: the shared low-level layer of triode.
 *
 * Return codes, error messages, the allocator entry point, growable byte
 * buffers with a sticky error, bounded cursors for reading untrusted bytes,
 * a bump arena for cycle-lifetime memory, and logging.  Every other module
 * depends on this one; this one depends on libc only.
 */
#ifndef BASE_BASE_H
#define BASE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TR_MUSTCHECK    __attribute__((warn_unused_result))
#define TR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TR_UNUSED(x)    ((void)(x))
#define TR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Invariants, never input validation.  Kept on in every build. */
#define TR_PRE(cond)   tr__assert((cond), #cond, __FILE__, __LINE__)
#define TR_POST(cond)  tr__assert((cond), #cond, __FILE__, __LINE__)
#define TR_ERGO(a, b)  TR_PRE(!(a) || (b))
/* A should-be-impossible case that release builds still handle: true when
 * @cond holds, and then it is logged once at error level. */
#define TR_NEVER(cond) tr__never((cond), #cond, __FILE__, __LINE__)

void tr__assert(bool ok, const char *expr, const char *file, int line);
bool tr__never(bool bad, const char *expr, const char *file, int line);

/*
 * Project-wide return codes.  0 is success; every failure is positive.  The
 * code says what kind of failure; the object's errmsg says what exactly.
 */
#define TR_ERRORS(X)                       \
	X(TR_OK, "ok")                     \
	X(TR_ENOMEM, "out of memory")      \
	X(TR_EPROTO, "protocol violation") \
	X(TR_ETOOBIG, "over a size limit") \
	X(TR_EIO, "input/output error")    \
	X(TR_ETLS, "TLS error")            \
	X(TR_ETIMEDOUT, "timed out")       \
	X(TR_ECANCELED, "canceled")        \
	X(TR_ECLOSED, "closed")            \
	X(TR_ENOTLEADER, "not the leader") \
	X(TR_EBUSY, "busy")                \
	X(TR_EINVAL, "invalid argument")   \
	X(TR_ENOTFOUND, "not found")       \
	X(TR_ESQL, "SQL error")            \
	X(TR_EINTERNAL, "internal error")

enum tr_rc {
#define TR__ENUM(name, text) name,
	TR_ERRORS(TR__ENUM)
#undef TR__ENUM
		TR__N_ERRORS
};

/* Static text for a return code; never NULL. */
const char *tr_strerror(int rc);

/* Size of the errmsg buffer carried by long-lived objects. */
#define TR_ERRMSG_SIZE 256

/* Format into @errmsg (TR_ERRMSG_SIZE bytes), truncating. */
void tr_errmsg_printf(char *errmsg, const char *fmt, ...) TR_PRINTF(2, 3);
/* Prepend "context: " to the message already in @errmsg. */
void tr_errmsg_wrapf(char *errmsg, const char *fmt, ...) TR_PRINTF(2, 3);

/*
 * Allocator.  Everything goes through these so tests can inject failures.
 * tr_malloc(0) returns a unique non-NULL pointer; tr_free(NULL) is a no-op.
 */
void *tr_malloc(size_t size);
void *tr_calloc(size_t n, size_t size);
void *tr_realloc(void *p, size_t size);
void tr_free(void *p);
/* Copy a string (or @len bytes plus a NUL); NULL on OOM. */
char *tr_strdup(const char *s);
char *tr_strndup(const char *s, size_t len);

/*
 * Fault injection for tests: after @delay successful allocations, the next
 * @repeat allocations fail (repeat < 0: all of them).  tr_alloc_fault(-1, 0)
 * switches injection off.  Not thread-safe; test use only.
 */
void tr_alloc_fault(int delay, int repeat);

/*
 * Growable byte buffer with a sticky error.  Puts return void: after the
 * first failure (OOM, or growing past @limit) every later put is a no-op and
 * tr_buf_err() reports the code.  Check once, before handing the bytes on.
 */
struct tr_buf {
	uint8_t *data; /* owned */
	size_t len;    /* bytes in use */
	size_t cap;    /* bytes allocated */
	size_t limit;  /* hard cap on len; 0 = SIZE_MAX */
	int err;       /* sticky: first failure, TR_OK if none */
};

void tr_buf_init(struct tr_buf *b, size_t limit);
void tr_buf_close(struct tr_buf *b);
/* Forget the contents and the error; keep the memory. */
void tr_buf_reset(struct tr_buf *b);
static inline int tr_buf_err(const struct tr_buf *b)
{
	return b->err;
}
/* Guarantee room for @n more bytes; false (and sticky error) on failure. */
bool tr_buf_reserve(struct tr_buf *b, size_t n);
/* Append @n uninitialised bytes and return them, or NULL on failure. */
uint8_t *tr_buf_extend(struct tr_buf *b, size_t n);
/* Drop the first @n bytes (consumed input), moving the rest down. */
void tr_buf_consume(struct tr_buf *b, size_t n);
void tr_buf_put(struct tr_buf *b, const void *p, size_t n);
void tr_buf_put_u8(struct tr_buf *b, uint8_t v);
void tr_buf_put_be16(struct tr_buf *b, uint16_t v);
void tr_buf_put_be32(struct tr_buf *b, uint32_t v);
void tr_buf_put_be64(struct tr_buf *b, uint64_t v);
void tr_buf_put_le32(struct tr_buf *b, uint32_t v);
void tr_buf_put_le64(struct tr_buf *b, uint64_t v);
/* The string and its NUL terminator. */
void tr_buf_put_cstr(struct tr_buf *b, const char *s);
/* The string without terminator. */
void tr_buf_put_str(struct tr_buf *b, const char *s);
void tr_buf_printf(struct tr_buf *b, const char *fmt, ...) TR_PRINTF(2, 3);
void tr_buf_vprintf(struct tr_buf *b, const char *fmt, va_list ap);
/* Overwrite 4 bytes at @off (back-filling a length). */
void tr_buf_set_be32(struct tr_buf *b, size_t off, uint32_t v);
void tr_buf_set_le32(struct tr_buf *b, size_t off, uint32_t v);
/* NUL-terminate without counting the NUL in len; returns data or "" on error.
 */
const char *tr_buf_cstr(struct tr_buf *b);

/*
 * Bounded reader over bytes we do not trust.  Getters return TR_OK or
 * TR_EPROTO and never read past @left; on failure the cursor is unchanged.
 */
struct tr_cursor {
	const uint8_t *p; /* borrowed */
	size_t left;
};

static inline void tr_cursor_init(struct tr_cursor *c, const void *p, size_t n)
{
	c->p = p;
	c->left = n;
}
TR_MUSTCHECK int tr_cursor_get_u8(struct tr_cursor *c, uint8_t *v);
TR_MUSTCHECK int tr_cursor_get_be16(struct tr_cursor *c, uint16_t *v);
TR_MUSTCHECK int tr_cursor_get_be32(struct tr_cursor *c, uint32_t *v);
TR_MUSTCHECK int tr_cursor_get_le32(struct tr_cursor *c, uint32_t *v);
TR_MUSTCHECK int tr_cursor_get_le64(struct tr_cursor *c, uint64_t *v);
/* Borrow @n bytes. */
TR_MUSTCHECK int tr_cursor_get_bytes(struct tr_cursor *c, size_t n,
				     const uint8_t **out);
/* Borrow a NUL-terminated string; the NUL is proven to be inside the span. */
TR_MUSTCHECK int tr_cursor_get_cstr(struct tr_cursor *c, const char **out);
TR_MUSTCHECK int tr_cursor_skip(struct tr_cursor *c, size_t n);
/* TR_OK only if everything was consumed. */
TR_MUSTCHECK int tr_cursor_expect_end(const struct tr_cursor *c);

/* Big- and little-endian loads and stores on raw bytes. */
static inline uint32_t tr_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t tr_load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}
static inline uint32_t tr_load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

/*
 * Bump arena for cycle-lifetime memory (everything that matters only until
 * the next ReadyForQuery).  Allocations are 16-byte aligned and released all
 * at once by tr_arena_reset(), which keeps the first block for reuse.
 */
struct tr_arena_block;
struct tr_arena {
	struct tr_arena_block *head; /* owned: newest block first */
	size_t block_size;           /* default size of a new block */
};

void tr_arena_init(struct tr_arena *a, size_t block_size);
void tr_arena_close(struct tr_arena *a);
void tr_arena_reset(struct tr_arena *a);
/* NULL on OOM. */
void *tr_arena_alloc(struct tr_arena *a, size_t n);
char *tr_arena_strdup(struct tr_arena *a, const char *s);
char *tr_arena_strndup(struct tr_arena *a, const char *s, size_t n);
char *tr_arena_printf(struct tr_arena *a, const char *fmt, ...) TR_PRINTF(2, 3);

/*
 * Logging to stderr, one line per event.  The macros check the level before
 * formatting anything.  TR_LOG_LEVEL=error|warn|info|debug|trace (or
 * TR_TRACE=1 for trace) sets the level at start.
 */
enum tr_log_level {
	TR_LOG_ERROR,
	TR_LOG_WARN,
	TR_LOG_INFO,
	TR_LOG_DEBUG,
	TR_LOG_TRACE,
};

extern enum tr_log_level tr_log_level;
/* Read TR_LOG_LEVEL / TR_TRACE from the environment. */
void tr_log_init(void);
void tr_log_write(enum tr_log_level level, const char *component,
		  const char *fmt, ...) TR_PRINTF(3, 4);

#define tr_log(level, component, ...)                                    \
	do {                                                             \
		if ((level) <= tr_log_level) {                           \
			tr_log_write((level), (component), __VA_ARGS__); \
		}                                                        \
	} while (0)
#define tr_error(comp, ...) tr_log(TR_LOG_ERROR, comp, __VA_ARGS__)
#define tr_warn(comp, ...)  tr_log(TR_LOG_WARN, comp, __VA_ARGS__)
#define tr_info(comp, ...)  tr_log(TR_LOG_INFO, comp, __VA_ARGS__)
#define tr_debug(comp, ...) tr_log(TR_LOG_DEBUG, comp, __VA_ARGS__)
#define tr_trace(comp, ...) tr_log(TR_LOG_TRACE, comp, __VA_ARGS__)

/* Escape control characters and non-ASCII bytes of untrusted text for a log
 * line, truncating to @cap - 1 bytes.  Returns @out. */
char *tr_escape(char *out, size_t cap, const void *p, size_t n);

/*
 * Intrusive circular doubly-linked queue (dqlite's queue.h shape).  A queue
 * head is a struct tr_queue whose links point at itself when empty; items
 * embed a struct tr_queue and are recovered with TR_QUEUE_DATA.
 */
struct tr_queue {
	struct tr_queue *next;
	struct tr_queue *prev;
};

#define TR_QUEUE_DATA(e, type, field) \
	((type *)(void *)((char *)(e)-offsetof(type, field)))
#define TR_QUEUE_FOREACH(q, h) \
	for ((q) = (h)->next; (q) != (h); (q) = (q)->next)

static inline void tr_queue_init(struct tr_queue *q)
{
	q->next = q;
	q->prev = q;
}
static inline bool tr_queue_empty(const struct tr_queue *q)
{
	return q->next == q;
}
static inline void tr_queue_push(struct tr_queue *h, struct tr_queue *e)
{
	e->next = h;
	e->prev = h->prev;
	h->prev->next = e;
	h->prev = e;
}
static inline struct tr_queue *tr_queue_head(const struct tr_queue *h)
{
	return h->next == h ? NULL : h->next;
}
static inline void tr_queue_remove(struct tr_queue *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e;
	e->prev = e;
}

/* Monotonic clock in nanoseconds. */
uint64_t tr_now_ns(void);

#endif /* BASE_BASE_H */
