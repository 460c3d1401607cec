/*
 * zv_random_bytes(): cryptographic random bytes for tags, branches,
 * Call-IDs, nonces, SSRCs and sequence numbers.
 *
 * DESIGN
 * A per-thread pool of 512 bytes refilled by OpenSSL's RAND_bytes(): one
 * call into the DRBG (several thousand instructions whatever the size) or
 * one getrandom() system call per few dozen requests instead of one each.
 * Bytes are taken from the end of the pool and wiped once handed out, so
 * a later memory disclosure cannot replay them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <zvonok/core.h>

void zv_random_bytes(void *out, size_t n)
{
	static _Thread_local unsigned char pool[512];
	static _Thread_local size_t avail;
	unsigned char *o = out;
	while (n) {
		if (!avail) {
			if (RAND_bytes(pool, (int)sizeof(pool)) != 1) {
				/* OpenSSL's DRBG failed (no entropy at all): still
				 * unpredictable enough for tags, not for keys —
				 * key material uses RAND_bytes() directly. */
				for (size_t i = 0; i < sizeof(pool); i++)
					pool[i] = (unsigned char)random();
			}
			avail = sizeof(pool);
		}
		size_t take = n < avail ? n : avail;
		avail -= take;
		memcpy(o, pool + avail, take);
		memset(pool + avail, 0, take);
		o += take;
		n -= take;
	}
}
