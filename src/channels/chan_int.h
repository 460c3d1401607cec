/*
 * Between the files of the channel core: the media state kept with a
 * channel (chan_media.c) is reached through a slot in struct zv_channel
 * (channel.c), so neither file needs the other's struct.
 */
#ifndef CHANNELS_CHAN_INT_H
#define CHANNELS_CHAN_INT_H

struct zv_channel;
struct zv_chan_media;

struct zv_chan_media **zv__channel_media_slot(struct zv_channel *c);
/* Stops the generator and frees translators; at destroy. */
void zv__channel_media_free(struct zv_channel *c);

#endif
