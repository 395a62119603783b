/*
 * core.h - the libc-only foundation every other module builds on, one
 * header per concept (include the one you need):
 *
 *	core/limits.h    every cap, named in one place
 *	core/error.h     sk_err_t, struct sk_error, SK_MUST_USE
 *	core/log.h       the log sink
 *	core/redact.h    the secret scrubber
 *	core/buf.h       the bounded buffer with a sticky failure, strdup
 *	core/dedup.h     FNV-1a fingerprints and string sets
 *	core/civil.h     dates, Europe/Oslo wall time, UTC text, clocks
 *	core/tz.h        named time zones (TZif)
 *	core/backoff.h   the one backoff function and its RNG
 *	core/signals.h   stop/reload flags, the scheduler clock, crash points
 *	core/fs.h        mkdir -p, lockfiles
 *	core/registry.h  finding a backend by name in a module's table
 *	core/config.h    layered configuration over typed per-module tables
 *	core/metrics.h   Prometheus text: family heads, histograms, process_*
 *
 * Deliberately does not include any third-party header.
 */
#ifndef SK_CORE_H
#define SK_CORE_H

#include "core/limits.h"
#include "core/error.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/buf.h"
#include "core/dedup.h"
#include "core/civil.h"
#include "core/tz.h"
#include "core/backoff.h"
#include "core/signals.h"
#include "core/fs.h"
#include "core/registry.h"
#include "core/config.h"
#include "core/metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif
