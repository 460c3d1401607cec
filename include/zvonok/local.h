/*
 * Local channel optimisation (src/dialplan/dp_local.c).
 *
 * DESIGN
 * A two-party bridge (Dial's) tells the Local channel driver when one of
 * its sides is a Local half and the bridge is plain: nothing in it looks
 * at the audio or the digits (no DTMF features, no hold).  When both
 * halves of one Local pair are in plain bridges, with A (bridged to ;1)
 * and B (bridged to ;2), the pair is optimised away for media: A's frames
 * are written straight to B and B's to A, and A and B are natively
 * bridged (zv_channel_native_bridge(): RTP relayed packet to packet when
 * their codecs match).  The Local channels stay for signalling (answer,
 * digits, indications, hang-up).  A bridge that stops being plain, or
 * ends, tells the driver first, which puts the frame path through the
 * pair back before the bridge changes its own readers.
 */
#ifndef ZVONOK_LOCAL_H
#define ZVONOK_LOCAL_H

struct zv_channel;

/*
 * chan is plainly bridged to peer (peer NULL: not, or no longer).  Does
 * nothing when chan is not a Local channel.  Call with NULL before the
 * bridge changes chan's or peer's reader, and before it ends.  Loop
 * thread of chan.
 */
void zv_local_bridge_set(struct zv_channel *chan, struct zv_channel *peer);

#endif
