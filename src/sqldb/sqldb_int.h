/*
 * sqldb_int.h - internals of sqldb shared by its files: the built-in zstd
 * dictionaries of zblob.c (generated into zdict<N>.c by
 * scripts/zdict-train.py; never changed once released).
 */
#ifndef SK_SQLDB_INT_H
#define SK_SQLDB_INT_H

#include <stddef.h>

extern const unsigned char sk_sqldb_zdict1[];
extern const size_t sk_sqldb_zdict1_len;

#endif
