/*
 * old_warehouse.h - SQL that turns a warehouse made by this skred back into
 * an older schema's layout, for the tests that open an old warehouse.
 */
#ifndef SK_TEST_OLD_WAREHOUSE_H
#define SK_TEST_OLD_WAREHOUSE_H

/* Mountain weather as schemas 1 to 3 kept it, one row per value (schema 4
 * packs it), in no particular order. */
#define SK_TEST_UNPACK_WEATHER                                                 \
	"CREATE TABLE mw_rows AS SELECT * FROM mountain_weather;"              \
	"DROP VIEW mountain_weather;"                                          \
	"DROP TABLE mountain_weather_packed;"                                  \
	"CREATE TABLE mountain_weather ("                                      \
	" region_id INTEGER NOT NULL,"                                         \
	" lang_key INTEGER NOT NULL,"                                          \
	" valid_date TEXT NOT NULL,"                                           \
	" type_id INTEGER NOT NULL,"                                           \
	" type_name TEXT,"                                                     \
	" subtype_id INTEGER NOT NULL,"                                        \
	" subtype_name TEXT,"                                                  \
	" value TEXT,"                                                         \
	" PRIMARY KEY (region_id, lang_key, valid_date, type_id,"              \
	"  subtype_id),"                                                       \
	" FOREIGN KEY (region_id, lang_key, valid_date)"                       \
	"  REFERENCES avalanche_warning (region_id, lang_key,"                 \
	"  valid_date) ON DELETE CASCADE);"                                    \
	"INSERT INTO mountain_weather SELECT * FROM mw_rows"                   \
	" ORDER BY random();"                                                  \
	"DROP TABLE mw_rows;"

#endif
