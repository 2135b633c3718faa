/* clock.c: time sources and RFC 3339 formatting without locale or TZ state. */
#include "core/clock.h"

#include <time.h>

int64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void put_digits(char *out, unsigned value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_BYTES])
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	unsigned millis = (unsigned)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	unsigned rem = (unsigned)(secs - days * 86400);
	int year;
	unsigned month, day;

	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999)
		year = year < 0 ? 0 : 9999;
	put_digits(out, (unsigned)year, 4);
	out[4] = '-';
	put_digits(out + 5, month, 2);
	out[7] = '-';
	put_digits(out + 8, day, 2);
	out[10] = 'T';
	put_digits(out + 11, rem / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, rem / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, rem % 60, 2);
	out[19] = '.';
	put_digits(out + 20, millis, 3);
	out[23] = 'Z';
	out[24] = '\0';
}
