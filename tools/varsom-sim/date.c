/*
 * date.c - calendar arithmetic (days since 1970-01-01, proleptic
 * Gregorian) and the fixed date/time formats of the varsom API.
 */
#include "sim.h"

#include <string.h>

int date_days(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_civil(int days, int *y, int *m, int *d)
{
	int z = days + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int month_len(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return len[m - 1];
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool date_parse(const char *s, size_t n, int *days)
{
	int y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_len(y, m))
		return false;
	*days = date_days(y, m, d);
	return true;
}

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

char *date_fmt(char *p, int days)
{
	int y, m, d;
	date_civil(days, &y, &m, &d);
	p = put2(p, y / 100);
	p = put2(p, y % 100);
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	return put2(p, d);
}

void datetime_fmt(char *out, int days, int secs)
{
	char *p = date_fmt(out, days);
	*p++ = 'T';
	p = put2(p, secs / 3600);
	*p++ = ':';
	p = put2(p, secs / 60 % 60);
	*p++ = ':';
	p = put2(p, secs % 60);
	*p = '\0';
}
