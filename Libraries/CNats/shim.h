#ifndef CNATS_SHIM_H
#define CNATS_SHIM_H
#include <nats/nats.h>

// Exported by libnats (3.x) but not declared in its public header: frees a message and its
// headers at once. `natsMsg_Destroy` instead hands every message to libnats's garbage-collector
// thread and wakes it, one futex wake and context switch per message.
void natsMsg_free(void *object);

// Exported by libnats (3.x) but not declared in its public header (src/msg.h): makes a message of
// `bufLen` bytes whose first `hdrLen` are the header block as it goes on the wire ("NATS/1.0\r\n",
// "Name: value\r\n" lines, "\r\n"), in one allocation; with `buf` NULL nothing is copied. libnats
// sends such a block as it is and parses it only if its header functions are called, as for a
// received message. Messaging writes and reads the block itself (see HeaderBlock.swift): libnats's
// header functions allocate a hash map and copy every name and value, on both sides of each message.
natsStatus natsMsg_create(natsMsg **newMsg, const char *subject, int subjLen, const char *reply, int replyLen,
                          const char *buf, int bufLen, int hdrLen);

// The length of a message's header block (0 without headers): the received block's own length
// while no header function has parsed it.
int natsMsgHeader_encodedLen(natsMsg *msg);
#endif
