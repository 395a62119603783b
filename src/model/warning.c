/*
 * warning.c - lifetime of warning records (no JSON here): what a record
 * owns is what its field table says (fields.c).
 */
#include "model/model.h"

#include <stdlib.h>

struct sk_warning *sk_warning_new(void)
{
	struct sk_warning *w = calloc(1, sizeof *w);
	if (w)
		sk_model_record_init(&sk_model_warning_table, w);
	return w;
}

void sk_warning_free(struct sk_warning *w)
{
	if (!w)
		return;
	sk_model_record_clear(&sk_model_warning_table, w);
	free(w);
}
