#ifndef CNATS_SHIM_H
#define CNATS_SHIM_H
#include <nats/nats.h>

// Exported by libnats (3.x) but not declared in its public header: frees a message and its
// headers at once. `natsMsg_Destroy` instead hands every message to libnats's garbage-collector
// thread and wakes it, one futex wake and context switch per message.
void natsMsg_free(void *object);
#endif
