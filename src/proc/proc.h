/*
 * proc.h - cleaning steps as pure functions over records: validation and
 * normalisation of a parsed warning, and the dead-letter reason.
 *
 * No I/O, no allocation beyond the record's own fields.
 */
#ifndef SK_PROC_H
#define SK_PROC_H

#include "core/core.h"
#include "model/model.h"

/* Validate and normalise w in place:
 *  - every timestamp: local Europe/Oslo wall time -> UTC (has_utc set);
 *  - valid_date = local date of ValidFrom;
 *  - DangerLevel string -> integer 0..5; level 0 -> not_assessed;
 *  - A/B region type from the region list (10/"A", 20/"B"), not the warning;
 *  - strings trimmed (trailing spaces, "\r\n" in sensitivity names);
 *  - ValidExpositions must be 8 characters of '0'/'1';
 *  - LangKey 1 or 2; region id known; ValidTo not before ValidFrom;
 *  - the children of each list differ in their key (problem_id; type_id
 *    and subtype_id of the weather values; an advice's position).
 * SK_ERR_VALIDATE with a reason in err (non-retriable) on failure; the
 * record is then unchanged or partly normalised and must not be stored. */
sk_err_t sk_proc_clean(struct sk_warning *w, struct sk_error *err);

/* Parse + clean one raw message value: the full mapping used by processing
 * and by the fuzz target. On success *out is owned by the caller. */
sk_err_t sk_proc_map(const char *json, size_t len, struct sk_warning **out,
		     struct sk_error *err);
/* sk_proc_map, and the source's drift from the same scan into *drift
 * (sk_model_warning_parse_drift), whatever the mapping's outcome. */
sk_err_t sk_proc_map_drift(const char *json, size_t len,
			   struct sk_warning **out,
			   struct sk_model_drift *drift, struct sk_error *err);

/* Check that a clean record's key matches the bus message key it came with
 * ("<region>:<lang>:<date>"); SK_ERR_VALIDATE if not. */
sk_err_t sk_proc_check_key(const struct sk_warning *w, const char *key,
			   struct sk_error *err);

#endif
