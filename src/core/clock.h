/* clock.h: wall-clock time in milliseconds and its RFC 3339 form.
 * Timestamps are stored as milliseconds since the Unix epoch, UTC. */
#ifndef TODOD_CLOCK_H
#define TODOD_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_RFC3339_BYTES 25 /* "2026-11-25T10:31:48.123Z" and NUL */

/* Milliseconds since the epoch, from CLOCK_REALTIME. */
int64_t clock_now_ms(void);

/* Monotonic microseconds, for durations. */
int64_t clock_mono_us(void);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (CLOCK_RFC3339_BYTES). */
void clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_BYTES]);

#endif
