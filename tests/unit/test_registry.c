/*
 * test_registry.c - finding a backend by name: the entry with that name,
 * NULL for an unknown or NULL name, and the lookup's SK_ERR_CONFIG naming
 * the module, the name and every known one; the real tables of the bus,
 * the store and the ledger go through it.
 */
#include "core/core.h"
#include "bus/bus.h"
#include "store/store.h"
#include "cases.h"

#include <string.h>

struct fake_type {
	const char *name; /* first, like every sk_<x>_type */
	int id;
};

static const struct fake_type one = {"one", 1}, two = {"two", 2};
static const struct fake_type *const fakes[] = {&one, &two, NULL};
static const struct fake_type *const none[] = {NULL};

static void test_lookup(void)
{
	struct sk_error err = {0};
	CHECK(sk_registry_find(SK_REGISTRY(fakes), "one") == &one);
	CHECK(sk_registry_find(SK_REGISTRY(fakes), "two") == &two);
	CHECK(sk_registry_find(SK_REGISTRY(fakes), "three") == NULL);
	CHECK(sk_registry_find(SK_REGISTRY(fakes), "") == NULL);
	CHECK(sk_registry_find(SK_REGISTRY(fakes), NULL) == NULL);
	CHECK(sk_registry_find(SK_REGISTRY(none), "one") == NULL);

	const void *t = NULL;
	CHECK_INT(sk_registry_lookup(SK_REGISTRY(fakes), "fake", "two", &t,
				     &err),
		  SK_OK);
	CHECK(t == &two);
	CHECK_INT(((const struct fake_type *)t)->id, 2);
	CHECK_INT(sk_registry_lookup(SK_REGISTRY(fakes), "fake", "tow", &t,
				     &err),
		  SK_ERR_CONFIG);
	CHECK(t == NULL);
	CHECK_STR(err.msg,
		  "fake: unknown backend 'tow' (this skred has: one, two)");
	CHECK(!err.retriable);
	CHECK_INT(sk_registry_lookup(SK_REGISTRY(fakes), "fake", NULL, &t,
				     &err),
		  SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "'(unset)'") != NULL);
	CHECK_INT(sk_registry_lookup(SK_REGISTRY(none), "empty", "x", &t, &err),
		  SK_ERR_CONFIG);
	CHECK_STR(err.msg, "empty: unknown backend 'x' (this skred has: )");

	/* The modules' tables. */
	CHECK(sk_bus_type_find("sqlite") != NULL);
	CHECK(sk_bus_type_find("kafka") != NULL);
	CHECK(sk_bus_type_find("carrier-pigeon") == NULL);
	CHECK_STR(sk_bus_type_find("kafka")->name, "kafka");
	CHECK(sk_store_type_find("cassandra") != NULL);
	CHECK_STR(sk_store_type_find("sqlite")->name, "sqlite");
	CHECK(sk_store_type_find(NULL) == NULL);
}

static const struct sk_case cases[] = {
	{"lookup", test_lookup},
};

SK_CASES_MAIN(cases)
