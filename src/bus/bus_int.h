/*
 * bus_int.h - what the bus backends share with the registry (bus.c).
 */
#ifndef SK_BUS_INT_H
#define SK_BUS_INT_H

#include "bus/bus.h"

extern const struct sk_bus_type sk_bus_sqlite;
extern const struct sk_bus_type sk_bus_kafka;

#endif
