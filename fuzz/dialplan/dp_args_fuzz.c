/*
 * libFuzzer target for application argument splitting: splits the input
 * at ',' and at its first byte, in standard and raw mode, and checks every
 * argument lies inside the buffer.  Seeds are in fuzz/corpus/dp_args/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_args.h"

static void split(const uint8_t *data, size_t size, char delim, unsigned flags)
{
	char *buf = malloc(size + 1);
	char *argv[16];
	size_t argc = 0;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	size_t len = strlen(buf);
	if (dp_args_split(buf, delim, flags, argv, 16, &argc) == 0) {
		if (argc > 16)
			abort();
		for (size_t i = 0; i < argc; i++)
			if (argv[i] < buf || argv[i] + strlen(argv[i]) > buf + len)
				abort();
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	split(data, size, ',', 0);
	split(data, size, ',', DP_ARGS_RAW);
	if (size)
		split(data + 1, size - 1, (char)data[0], 0);
	return 0;
}
