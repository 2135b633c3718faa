/* delay.h: requests held back before their answer. A refusal for asking
 * too often (a 429 from the sign-in and registration limits) waits
 * LIMIT_REFUSAL_DELAY_MS before it is sent, on a suspended connection that
 * costs no thread and no CPU: a client that repeats as fast as it is
 * answered (a flood) then sends one request per connection per delay
 * instead of thousands per second, and leaves the CPU to everyone else. The
 * connections one address can hold (TODOD_MAX_CONNECTIONS_PER_ADDRESS)
 * bound how many of its requests wait. */
#ifndef TODOD_DELAY_H
#define TODOD_DELAY_H

#include "core/status.h"

struct request;

/* Starts the thread that wakes held requests. STATUS_INTERNAL when it
 * cannot start. */
status delay_start(void);

/* Wakes the suspended request r (request_resume) LIMIT_REFUSAL_DELAY_MS
 * from now; at once when the delay thread is not running. */
void delay_resume(struct request *r);

/* Wakes every held request at once, then stops the thread. */
void delay_stop(void);

#endif
