/*
 * limits.h - every cap on a growable buffer or an input in skred's core,
 * named in one place (STYLE.md convention 5). Modules name their own caps
 * beside their code (SK_WEB_MAX_REPLY, SK_CQL_LIMIT_FRAME, ...) and take
 * these for what they share.
 */
#ifndef SK_CORE_LIMITS_H
#define SK_CORE_LIMITS_H

#define SK_LIMIT_TEXT (16u * 1024 * 1024)        /* text built in memory */
#define SK_LIMIT_HTTP_BODY (64u * 1024 * 1024)   /* default fetch.max_body */
#define SK_LIMIT_WARNING_JSON (4u * 1024 * 1024) /* one warning's JSON */
#define SK_LIMIT_JSON_DEPTH 32                   /* nesting in a warning */
#define SK_LIMIT_PROBLEMS 16                     /* problems per warning */
#define SK_LIMIT_ADVICES 32                      /* advices per warning */
#define SK_LIMIT_WEATHER_VALUES 128              /* weather values */
#define SK_LIMIT_CONFIG_LINE 4096                /* config file line */
#define SK_LIMIT_KEY 128                         /* bus message key */
#define SK_LIMIT_SECRET_FILE (256u * 1024)       /* key=@file content */
#define SK_LIMIT_HTTP_DATE 64 /* an HTTP-date (sk_http_date_parse input) */

/* Time zones (core/tz.h) */
#define SK_LIMIT_TZIF (256u * 1024)  /* one TZif file (sk_tz_parse input) */
#define SK_LIMIT_TZ_TRANSITIONS 4096 /* transitions in the block used */
#define SK_LIMIT_TZ_CHARS 1024       /* abbreviation bytes (charcnt) */
#define SK_LIMIT_TZ_FOOTER 256       /* POSIX TZ string in the footer */
#define SK_LIMIT_TZ_NAME 255         /* zone name ("Europe/Oslo") */

#endif
