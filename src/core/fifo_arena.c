/*
 * FIFO arena (include/zvonok/fifo_arena.h).
 *
 * DESIGN
 * A block is one anonymous mapping: a header (next block, bytes used),
 * then records back to back, each an 8-byte size followed by the record,
 * rounded up to 8 bytes.  Blocks form a singly linked list from the oldest
 * (head) to the newest (tail); push() appends to the tail block or maps a
 * new one, pop() advances an offset in the head block and unmaps it once
 * the offset reaches its end and a newer block exists, or once the arena
 * is empty.  Pages of a block that were never written cost no memory, so a
 * large block is free for a light load.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zvonok/fifo_arena.h>

struct zv_fifo_block {
	struct zv_fifo_block *next;
	size_t used; /* offset past the newest record */
};

#define HDR sizeof(struct zv_fifo_block)
#define ALIGN(n) (((n) + 7u) & ~(size_t)7u)

void zv_fifo_arena_init(struct zv_fifo_arena *fa, size_t block_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (!block_size)
		block_size = 64 << 10;
	*fa = (struct zv_fifo_arena){.block_size = (block_size + page - 1) / page * page};
}

static void block_unmap(struct zv_fifo_arena *fa, struct zv_fifo_block *b)
{
	munmap(b, fa->block_size);
	fa->blocks--;
}

void zv_fifo_arena_fini(struct zv_fifo_arena *fa)
{
	for (struct zv_fifo_block *b = fa->head, *next; b; b = next) {
		next = b->next;
		block_unmap(fa, b);
	}
	fa->head = fa->tail = NULL;
	fa->records = 0;
}

size_t zv_fifo_arena_max_record(const struct zv_fifo_arena *fa)
{
	return fa->block_size - HDR - sizeof(uint64_t);
}

void *zv_fifo_arena_push(struct zv_fifo_arena *fa, size_t size)
{
	size_t need = sizeof(uint64_t) + ALIGN(size);
	if (size > zv_fifo_arena_max_record(fa))
		return NULL;
	struct zv_fifo_block *b = fa->tail;
	if (!b || b->used + need > fa->block_size) {
		void *m = mmap(NULL, fa->block_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		b = m;
		b->next = NULL;
		b->used = HDR;
		fa->blocks++;
		if (fa->tail)
			fa->tail->next = b;
		else {
			fa->head = b;
			fa->head_off = HDR;
		}
		fa->tail = b;
	}
	char *p = (char *)b + b->used;
	*(uint64_t *)p = size;
	b->used += need;
	fa->records++;
	return p + sizeof(uint64_t);
}

void *zv_fifo_arena_peek(const struct zv_fifo_arena *fa)
{
	if (!fa->records)
		return NULL;
	return (char *)fa->head + fa->head_off + sizeof(uint64_t);
}

void zv_fifo_arena_pop(struct zv_fifo_arena *fa)
{
	if (!fa->records)
		return;
	struct zv_fifo_block *b = fa->head;
	uint64_t size = *(uint64_t *)((char *)b + fa->head_off);
	fa->head_off += sizeof(uint64_t) + ALIGN((size_t)size);
	fa->records--;
	if (fa->head_off < b->used)
		return;
	/* The head block is drained: its records are all gone. */
	fa->head = b->next;
	fa->head_off = HDR;
	if (!fa->head)
		fa->tail = NULL;
	block_unmap(fa, b);
}
