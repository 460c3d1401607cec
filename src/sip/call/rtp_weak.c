/* TEMPORARY until src/media/rtp lands: weak fallbacks so the tree links. */
#include <errno.h>
#include <zvonok/rtp.h>
#include <zvonok/media.h>
#define W __attribute__((weak))
W struct zv_rtp *zv_rtp_new(struct zv_loop *l, const struct sockaddr_storage *b, const struct zv_rtp_cb *cb, void *a) { errno = ENOSYS; return NULL; }
W void zv_rtp_free(struct zv_rtp *r) {}
W uint16_t zv_rtp_local_port(const struct zv_rtp *r) { return 0; }
W void zv_rtp_set_remote(struct zv_rtp *r, const struct sockaddr_storage *a) {}
W void zv_rtp_set_symmetric(struct zv_rtp *r, bool on) {}
W void zv_rtp_set_dtmf_pt(struct zv_rtp *r, int pt, unsigned clock) {}
W int zv_rtp_send(struct zv_rtp *r, uint8_t pt, const uint8_t *p, size_t l, uint32_t s, bool m) { return -ENOSYS; }
W int zv_rtp_send_dtmf(struct zv_rtp *r, char d, unsigned ms) { return -ENOSYS; }
W const struct zv_codec_info *zv_codec_get(enum zv_codec_id id) { return NULL; }
W const struct zv_codec_info *zv_codec_by_name(const char *n) { return NULL; }
W const struct zv_codec_info *zv_codec_by_sdp(const char *e, unsigned c) { return NULL; }
W int zv_sound_load_coro(const char *n, const char *l, unsigned r, struct zv_sound **o) { return -ENOSYS; }
W bool zv_sound_exists(const char *n, const char *l) { return false; }
W int zv_rec_open(const char *p, const char *f, unsigned r, struct zv_rec **o) { return -ENOSYS; }
W int zv_rec_write(struct zv_rec *r, const int16_t *pcm, size_t n) { return -ENOSYS; }
W int zv_rec_close(struct zv_rec *r, bool keep) { return -ENOSYS; }
W const char *zv_sound_dir(void) { return "/usr/share/asterisk/sounds"; }
