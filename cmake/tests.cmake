# Test registration: one executable per file, CTest labels unit,
# integration, fuzz (and external for real Kafka/Cassandra, later).

file(GLOB UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE skredlib)
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "SKRED_TEST_DATA=${CMAKE_SOURCE_DIR}/tests/data")
endforeach()

file(GLOB INTEGRATION_TESTS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/integration/test_*.sh)
foreach(src ${INTEGRATION_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME integration.${name} COMMAND bash ${src})
  set_tests_properties(integration.${name} PROPERTIES LABELS integration
    TIMEOUT 600
    ENVIRONMENT "SKRED=$<TARGET_FILE:skred>;VARSOM_SIM=$<TARGET_FILE:varsom-sim>;SKRED_SRC=${CMAKE_SOURCE_DIR}")
endforeach()

# Fuzz targets: tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
# Always built as a corpus replayer (tests/fuzz/replay.c) run by CTest over
# tests/fuzz/corpus/<name>/; with SKRED_FUZZ=ON also as a libFuzzer binary.
file(GLOB FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REPLACE "fuzz_" "" corpus ${name})
  add_executable(${name}_replay ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
  target_link_libraries(${name}_replay PRIVATE skredlib)
  add_test(NAME fuzz.${name} COMMAND ${name}_replay
           ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${corpus})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  if(SKRED_FUZZ)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE skredlib)
  endif()
endforeach()

# Tests against real servers (Kafka, Cassandra) started by scripts/*.sh:
# label external, one at a time unless SKRED_EXTERNAL_LOCKS (below) says
# which servers it needs (some tests restart them).
file(GLOB EXTERNAL_TESTS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/external/test_*.sh)
foreach(src ${EXTERNAL_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME external.${name} COMMAND bash ${src})
  set_tests_properties(external.${name} PROPERTIES LABELS external
    TIMEOUT 900 RUN_SERIAL TRUE
    ENVIRONMENT "SKRED=$<TARGET_FILE:skred>;VARSOM_SIM=$<TARGET_FILE:varsom-sim>;SKRED_SRC=${CMAKE_SOURCE_DIR}")
endforeach()

# C tests against a real server (tests/external/test_*.c, e.g. the
# PostgreSQL ledger against scripts/postgres.sh): label external, serial.
file(GLOB EXTERNAL_C_TESTS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/external/test_*.c)
foreach(src ${EXTERNAL_C_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE skredlib)
  add_test(NAME external.${name} COMMAND ${name})
  set_tests_properties(external.${name} PROPERTIES LABELS external
    TIMEOUT 300 RUN_SERIAL TRUE
    ENVIRONMENT "SKRED_SRC=${CMAKE_SOURCE_DIR}")
endforeach()

# The written rules, checked (scripts/checksrc): banned functions, the sk_
# prefix of every symbol in the built library, include and layer rules,
# shellcheck; and its self-test over a fixture that breaks each rule once.
add_test(NAME lint.checksrc COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/checksrc
         --build ${CMAKE_BINARY_DIR})
add_test(NAME lint.checksrc_selftest
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/checksrc/test_checksrc.sh)
set_tests_properties(lint.checksrc lint.checksrc_selftest PROPERTIES
  LABELS lint TIMEOUT 300 ENVIRONMENT "SKRED_SRC=${CMAKE_SOURCE_DIR}")

# Allocation-failure injection for the parsers (tests/alloc/): skred's
# allocations (the JSON scanner's included) go through a counting allocator (--wrap),
# the Nth one fails; over the fuzz corpora and the samples of tests/data/.
add_executable(test_alloc_fail ${CMAKE_SOURCE_DIR}/tests/alloc/test_alloc_fail.c)
target_include_directories(test_alloc_fail PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(test_alloc_fail PRIVATE skredlib)
target_link_options(test_alloc_fail PRIVATE
  "LINKER:--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,--wrap=strndup")
add_test(NAME unit.test_alloc_fail COMMAND test_alloc_fail)
set_tests_properties(unit.test_alloc_fail PROPERTIES LABELS unit TIMEOUT 600
  ENVIRONMENT "SKRED_SRC=${CMAKE_SOURCE_DIR}")
# Its own malloc/free pairs must stay calls (gcc may elide unused ones).
target_compile_options(test_alloc_fail PRIVATE -fno-builtin)

# The JSON scanner's differential test links jansson, the parser model/ used
# before (tests/unit/test_jscan.c).
if(TARGET test_jscan)
  target_link_libraries(test_jscan PRIVATE PkgConfig::JANSSON)
endif()
if(TARGET fuzz_jscan_replay)
  target_include_directories(fuzz_jscan_replay PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(fuzz_jscan_replay PRIVATE PkgConfig::JANSSON)
endif()
if(TARGET fuzz_jscan)
  target_include_directories(fuzz_jscan PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(fuzz_jscan PRIVATE PkgConfig::JANSSON)
endif()

# Installing and deploying (issue 14; tests/deploy/): the man page and the
# completion against --help, `cmake --install` into a DESTDIR, the unit
# (systemd-analyze verify/security, the daemon run as the unit runs it,
# sd_notify), and the .deb with lintian. The .deb is the plain build's
# (`make deb`): not made from a sanitizer or fuzzing build.
file(GLOB DEPLOY_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/deploy/test_*.sh)
foreach(src ${DEPLOY_TESTS})
  get_filename_component(name ${src} NAME_WE)
  if(name STREQUAL "test_deb" AND (SKRED_SANITIZE OR SKRED_FUZZ))
    continue()
  endif()
  add_test(NAME deploy.${name} COMMAND bash ${src})
  set_tests_properties(deploy.${name} PROPERTIES LABELS "integration;deploy"
    TIMEOUT 300
    ENVIRONMENT "SKRED=$<TARGET_FILE:skred>;VARSOM_SIM=$<TARGET_FILE:varsom-sim>;SKRED_SRC=${CMAKE_SOURCE_DIR};DEPLOY_BUILD=${CMAKE_BINARY_DIR}")
endforeach()

# The Avro/JSON Schema test reads the generated schemas back with jansson.
if(TARGET test_avro)
  target_link_libraries(test_avro PRIVATE PkgConfig::JANSSON)
endif()

# libavro's reader leaks on a value cut short (tests/fuzz/lsan_avro.supp),
# and asks malloc for a negative length's worth (it fails: an error) -
# under ASan too, rather than aborting.
if(TEST fuzz.fuzz_avro)
  set_tests_properties(fuzz.fuzz_avro PROPERTIES ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/fuzz/lsan_avro.supp;ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1")
endif()

# The external tests in parallel where that is safe: each holds a lock on
# every server it uses (kafka, cassandra, postgres), so two tests never
# share a server at once - a test that stops or restarts one never does it
# under another - while tests on disjoint servers overlap (`ctest -j`).
# Their topics, groups, keyspaces and schemas are per test anyway (pid and
# time in the name). A test not listed here stays RUN_SERIAL. Locks are
# comma-separated here.
set(SKRED_EXTERNAL_LOCKS
  "test_kafka_commit=kafka" "test_kafka_e2e=kafka" "test_kafka_group=kafka"
  "test_kafka_outage=kafka" "test_kafka_restart=kafka" "test_kafka_browse=kafka"
  "test_cassandra_e2e=cassandra" "test_cassandra_migrate3=cassandra"
  "test_cassandra_outage=cassandra" "test_cassandra_replay=cassandra"
  "test_cassandra_restart=cassandra,kafka"
  "test_store_decide_cassandra=cassandra" "test_store_parity=cassandra"
  "test_web_backends=kafka,cassandra"
  "test_pg_ledger=postgres" "test_pg_outage=postgres"
  "test_pg_shared=postgres" "test_pg_ha=postgres,cassandra"
  "test_pg_ha_kafka=postgres,cassandra,kafka")
foreach(entry ${SKRED_EXTERNAL_LOCKS})
  string(REGEX MATCH "^[^=]*" name "${entry}")
  string(REGEX REPLACE "^[^=]*=" "" locks "${entry}")
  string(REPLACE "," ";" locks "${locks}")
  if(TEST external.${name})
    set_tests_properties(external.${name} PROPERTIES RUN_SERIAL FALSE
      RESOURCE_LOCK "${locks}")
  endif()
endforeach()
