/*
 * libFuzzer target for tone lists (indications.conf values, Playtones
 * arguments): parses the input and, when it parses, runs the generator
 * for a second of audio, checking the part index stays in the list.
 * Seeds are in fuzz/corpus/tones/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/tones.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct zv_tonegen g;
	char err[160];
	memset(&g, 0, sizeof(g));
	if (zv_tones_parse(buf, &g.list, err, sizeof(err)) == 0) {
		if (!g.list.n || g.list.n > ZV_TONES_MAX)
			abort();
		int16_t pcm[160];
		for (int i = 0; i < 50 && zv_tonegen_fill(&g, NULL, pcm, 160); i++)
			if (g.idx >= g.list.n)
				abort();
	}
	free(buf);
	return 0;
}
