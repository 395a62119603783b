# Run by `cmake --install` (install(SCRIPT), cmake/install.cmake) with the
# install's CMAKE_INSTALL_PREFIX: the files that name installed paths.
#   <sysconfdir>/skred/skred.conf  the example configuration, not replaced
#                                  when there (an admin's edits stay)
#   <unitdir>/skred.service        ExecStart naming <prefix>/bin/skred
#   <mandir>/man1/skred.1.gz       skred(1)
#   <docdir>/changelog.gz             (a native package's name)
# Debian's layout for the prefix /usr: /etc and /lib/systemd/system.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(sysconfdir "/etc")
  set(unitdir "/lib/systemd/system")
else()
  set(sysconfdir "${prefix}/etc")
  set(unitdir "${prefix}/lib/systemd/system")
endif()
if(SKRED_UNITDIR)
  set(unitdir "${SKRED_UNITDIR}")
endif()
set(SKRED_BIN "${prefix}/${SKRED_BINDIR}/skred")
set(SKRED_CONF "${sysconfdir}/skred/skred.conf")
set(SKRED_DOCDIR "${prefix}/${SKRED_DOCDIR_REL}")
set(PROJECT_VERSION "${SKRED_VERSION}")
# A directory of this install's own: installs may run at once (tests).
string(RANDOM LENGTH 12 tag)
set(stage "${SKRED_BIN_DIR}/install-stage/${tag}")
file(MAKE_DIRECTORY "${stage}")

configure_file("${SKRED_SRC}/deploy/skred.service.in" "${stage}/skred.service"
               @ONLY)
file(INSTALL "${stage}/skred.service" DESTINATION "${unitdir}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

configure_file("${SKRED_SRC}/docs/skred.1.in" "${stage}/skred.1" @ONLY)
# gzip -n: no name or time stamp, the same bytes every time
execute_process(COMMAND gzip -9nf "${stage}/skred.1" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of skred.1 failed")
endif()
file(INSTALL "${stage}/skred.1.gz" DESTINATION "${prefix}/${SKRED_MANDIR}/man1"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The package's changelog (Debian policy: in every package's doc dir).
configure_file("${SKRED_SRC}/deploy/debian/changelog.in"
               "${stage}/changelog" @ONLY)
execute_process(COMMAND gzip -9nf "${stage}/changelog"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of the changelog failed")
endif()
file(INSTALL "${stage}/changelog.gz" DESTINATION "${SKRED_DOCDIR}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(conf "$ENV{DESTDIR}${SKRED_CONF}")
if(EXISTS "${conf}")
  message(STATUS "Kept: ${conf} (already there)")
else()
  file(INSTALL "${SKRED_SRC}/deploy/skred.conf"
       DESTINATION "${sysconfdir}/skred"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
file(REMOVE_RECURSE "${stage}")
