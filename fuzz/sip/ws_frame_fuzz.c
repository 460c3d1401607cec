/* libFuzzer target: WebSocket frame parsing over a stream of frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/core/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	size_t pos = 0;
	while (pos < size) {
		struct ws_frame f;
		ssize_t n = ws_frame_parse(buf + pos, size - pos, &f);
		if (n <= 0)
			break;
		ws_unmask(&f, buf + pos + f.header_len, (size_t)f.payload_len);
		pos += (size_t)n;
	}
	char out[32];
	ws_accept_key((const char *)data, size < 64 ? size : 64, out, sizeof(out));
	free(buf);
	return 0;
}
