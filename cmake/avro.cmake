# libavro, opened at run time by src/model/avro.c (dlopen): its soname
# (read from the library found by pkg-config, as the dynamic linker would
# record it), its full path here (the fallback when the soname is not on
# the system's search path, e.g. under Nix), and its Debian package (the
# .deb's Depends, which dpkg-shlibdeps cannot see for a dlopen'd library;
# cmake/deb.cmake). Sets SKRED_AVRO_SONAME, SKRED_AVRO_PATH,
# SKRED_AVRO_DEB_PACKAGE (may be empty) and SKRED_AVRO_DEFINES, and writes
# ${CMAKE_BINARY_DIR}/dlopen-libs (one soname a line, for the container's
# runtime package list).
find_library(SKRED_AVRO_LIBRARY NAMES avro HINTS ${AVRO_LIBRARY_DIRS})
if(NOT SKRED_AVRO_LIBRARY)
  message(FATAL_ERROR "libavro: no library file found (pkg-config avro-c)")
endif()
get_filename_component(_avro_real "${SKRED_AVRO_LIBRARY}" REALPATH)
get_filename_component(_avro_dir "${_avro_real}" DIRECTORY)
set(SKRED_AVRO_SONAME "")
find_program(SKRED_OBJDUMP NAMES objdump ${CMAKE_OBJDUMP})
if(SKRED_OBJDUMP)
  execute_process(COMMAND ${SKRED_OBJDUMP} -p "${_avro_real}"
                  OUTPUT_VARIABLE _avro_dyn ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^\n ]+)" _m "${_avro_dyn}")
  set(SKRED_AVRO_SONAME "${CMAKE_MATCH_1}")
endif()
if(NOT SKRED_AVRO_SONAME)
  message(FATAL_ERROR "libavro: cannot read the SONAME of ${_avro_real} (objdump)")
endif()
set(SKRED_AVRO_PATH "${_avro_dir}/${SKRED_AVRO_SONAME}")
set(SKRED_AVRO_DEFINES
    "SKRED_AVRO_SONAME=\"${SKRED_AVRO_SONAME}\";SKRED_AVRO_PATH=\"${SKRED_AVRO_PATH}\"")
set(SKRED_AVRO_DEB_PACKAGE "")
find_program(SKRED_DPKG_QUERY dpkg-query)
if(SKRED_DPKG_QUERY)
  # usrmerge: dpkg knows the file by one of its two names
  foreach(_p "${SKRED_AVRO_PATH}" "${_avro_real}")
    execute_process(COMMAND ${SKRED_DPKG_QUERY} -S "${_p}"
                    OUTPUT_VARIABLE _pkg ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND _pkg MATCHES "^([^:,]+)")
      set(SKRED_AVRO_DEB_PACKAGE "${CMAKE_MATCH_1}")
      break()
    endif()
  endforeach()
endif()
file(WRITE ${CMAKE_BINARY_DIR}/dlopen-libs "${SKRED_AVRO_SONAME}\n")
message(STATUS "libavro opened at run time: ${SKRED_AVRO_SONAME} (${SKRED_AVRO_PATH}; package ${SKRED_AVRO_DEB_PACKAGE})")
