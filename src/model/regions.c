/*
 * regions.c - the built-in list of NVE's 46 avalanche forecast regions.
 *
 * Facts from ../shared/varsom/regions.tsv (NVE region list; centres are area
 * centroids of NVE's region polygons). A/B and "active" are the current
 * season's; the warning's own RegionTypeId is unreliable (see API.md).
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

static const struct sk_region regions[] = {
	{3001, "Svalbard øst", 'B', false, 79.123, 23.587},
	{3002, "Svalbard vest", 'B', false, 78.949, 12.514},
	{3003, "Nordenskiöld Land", 'A', true, 78.069, 15.930},
	{3004, "Svalbard sør", 'B', false, 77.080, 16.086},
	{3005, "Øst-Finnmark", 'B', false, 70.169, 29.207},
	{3006, "Finnmarkskysten", 'A', true, 70.645, 25.951},
	{3007, "Vest-Finnmark", 'A', true, 70.363, 23.014},
	{3008, "Finnmarksvidda", 'B', false, 69.234, 24.127},
	{3009, "Nord-Troms", 'A', true, 69.601, 21.297},
	{3010, "Lyngen", 'A', true, 69.585, 19.805},
	{3011, "Tromsø", 'A', true, 69.920, 19.038},
	{3012, "Sør-Troms", 'A', true, 69.042, 17.294},
	{3013, "Indre Troms", 'A', true, 68.881, 19.175},
	{3014, "Lofoten og Vesterålen", 'A', true, 68.424, 14.511},
	{3015, "Ofoten", 'A', true, 68.184, 16.737},
	{3016, "Salten", 'A', true, 67.409, 15.184},
	{3017, "Svartisen", 'A', true, 66.641, 13.866},
	{3018, "Helgeland", 'A', true, 65.657, 12.954},
	{3019, "Nord-Trøndelag", 'B', false, 64.358, 12.009},
	{3020, "Sør-Trøndelag", 'B', false, 63.462, 10.228},
	{3021, "Ytre Nordmøre", 'B', false, 63.262, 8.134},
	{3022, "Trollheimen", 'A', true, 62.756, 9.203},
	{3023, "Romsdal", 'A', true, 62.691, 7.453},
	{3024, "Sunnmøre", 'A', true, 62.312, 6.394},
	{3025, "Nord-Gudbrandsdalen", 'B', false, 62.047, 8.897},
	{3026, "Ytre Fjordane", 'B', false, 61.679, 5.065},
	{3027, "Indre Fjordane", 'A', true, 61.651, 6.331},
	{3028, "Jotunheimen", 'A', true, 61.544, 8.360},
	{3029, "Indre Sogn", 'A', true, 61.246, 7.312},
	{3030, "Ytre Sogn", 'B', false, 61.062, 4.927},
	{3031, "Voss", 'A', true, 60.728, 6.246},
	{3032, "Hallingdal", 'A', true, 60.691, 8.316},
	{3033, "Hordalandskysten", 'B', false, 60.188, 5.229},
	{3034, "Hardanger", 'A', true, 60.121, 6.796},
	{3035, "Vest-Telemark", 'A', true, 59.745, 8.002},
	{3036, "Rogalandskysten", 'B', false, 58.975, 5.696},
	{3037, "Heiane", 'A', true, 59.078, 6.766},
	{3038, "Agder sør", 'B', false, 58.452, 7.871},
	{3039, "Telemark sør", 'B', false, 59.246, 8.914},
	{3040, "Vestfold", 'B', false, 59.265, 10.198},
	{3041, "Buskerud sør", 'B', false, 60.122, 9.433},
	{3042, "Oppland sør", 'B', false, 61.044, 9.982},
	{3043, "Hedmark", 'B', false, 61.454, 11.414},
	{3044, "Akershus", 'B', false, 60.009, 11.146},
	{3045, "Oslo", 'B', false, 59.975, 10.739},
	{3046, "Østfold", 'B', false, 59.340, 11.240},
};

const struct sk_region *sk_model_regions(size_t *n)
{
	*n = sizeof regions / sizeof regions[0];
	return regions;
}

const struct sk_region *sk_model_region_find(int id)
{
	for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
		if (regions[i].id == id)
			return &regions[i];
	return NULL;
}

sk_err_t sk_model_regions_select(const char *spec, int **ids, size_t *n,
				 struct sk_error *err)
{
	size_t total = sizeof regions / sizeof regions[0];
	*ids = NULL;
	*n = 0;
	if (!spec || !*spec)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "empty region selection");
	int *out = calloc(total, sizeof *out);
	if (!out)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	size_t k = 0;
	if (!strcmp(spec, "all") || !strcmp(spec, "A") || !strcmp(spec, "B")) {
		for (size_t i = 0; i < total; i++)
			if (spec[0] == 'a' || regions[i].type == spec[0])
				out[k++] = regions[i].id;
		*ids = out;
		*n = k;
		return SK_OK;
	}
	const char *p = spec;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || (*end && *end != ',')) {
			free(out);
			return sk_error_set(err, SK_ERR_INVAL, false,
					    "bad region list '%s': expected "
					    "all, A, B or ids like 3022,3023",
					    spec);
		}
		if (!sk_model_region_find((int)v)) {
			free(out);
			return sk_error_set(err, SK_ERR_INVAL, false,
					    "unknown region id %ld (known: "
					    "3001-3046; see `skred regions`)",
					    v);
		}
		bool dup = false;
		for (size_t i = 0; i < k; i++)
			dup |= out[i] == (int)v;
		if (!dup) {
			if (k == total) {
				free(out);
				return sk_error_set(err, SK_ERR_INVAL, false,
						    "too many regions");
			}
			out[k++] = (int)v;
		}
		p = *end ? end + 1 : end;
	}
	*ids = out;
	*n = k;
	return SK_OK;
}

sk_err_t sk_model_langs_select(const char *spec, int langs[2], size_t *n,
			       struct sk_error *err)
{
	const char *s = spec ? spec : "";
	if (!strcmp(s, "nb") || !strcmp(s, "no") || !strcmp(s, "1")) {
		langs[0] = 1;
		*n = 1;
	} else if (!strcmp(s, "en") || !strcmp(s, "2")) {
		langs[0] = 2;
		*n = 1;
	} else if (!strcmp(s, "both")) {
		langs[0] = 1;
		langs[1] = 2;
		*n = 2;
	} else {
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "lang must be nb, en or both, got '%s'", s);
	}
	return SK_OK;
}
