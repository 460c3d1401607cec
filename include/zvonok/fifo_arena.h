/*
 * A FIFO arena: variable-sized records appended at the tail and dropped
 * from the head, packed into large blocks of their own pages (mmap), a
 * block unmapped as soon as its last record is dropped.
 *
 * For data that outlives the objects around it and dies in the order it
 * was made, such as the SIP transactions kept 32 s after their answer to
 * absorb retransmissions: in malloc's heap each would pin a page among
 * freed call memory; here they sit together and their pages go back to the
 * system the moment the oldest block drains, without malloc_trim().
 *
 * One owner (thread) per arena; no locking.  Records are 8-byte aligned.
 */
#ifndef ZVONOK_FIFO_ARENA_H
#define ZVONOK_FIFO_ARENA_H

#include <stddef.h>

struct zv_fifo_block;

struct zv_fifo_arena {
	struct zv_fifo_block *head, *tail; /* oldest, newest; NULL when empty */
	size_t head_off;                    /* the oldest record's offset in head */
	size_t block_size;                  /* bytes mapped per block */
	size_t records;                     /* records held */
	size_t blocks;                      /* blocks mapped */
};

/* block_size: bytes per block, rounded up to whole pages (0: 64 KB). */
void zv_fifo_arena_init(struct zv_fifo_arena *fa, size_t block_size);

/* Unmaps every block; the records are gone. */
void zv_fifo_arena_fini(struct zv_fifo_arena *fa);

/*
 * A new record of size bytes (uninitialised) at the tail, or NULL when it
 * cannot fit in a block or mmap fails.  Valid until it is popped.
 */
void *zv_fifo_arena_push(struct zv_fifo_arena *fa, size_t size);

/* The oldest record, or NULL when the arena is empty. */
void *zv_fifo_arena_peek(const struct zv_fifo_arena *fa);

/* Drops the oldest record (no-op when empty); a drained block is unmapped. */
void zv_fifo_arena_pop(struct zv_fifo_arena *fa);

/* The largest record push() accepts with this block size. */
size_t zv_fifo_arena_max_record(const struct zv_fifo_arena *fa);

#endif
