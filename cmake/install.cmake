# Installation (issue 14): `make install` / `cmake --install build
# [--prefix P]` with DESTDIR, and `make deb` (CPack DEB, cmake/deb.cmake).
#
# The files whose text names installed paths (the systemd unit, the man
# page) are written at install time for the install's prefix
# (cmake/install_files.cmake), so one build installs to /usr/local, /usr or
# a package's staging root alike. Paths for the prefix /usr follow Debian:
# /etc, /lib/systemd/system.
include(GNUInstallDirs)
set(SKRED_SYSTEMD_UNITDIR "" CACHE PATH
    "where skred.service goes (default: /lib/systemd/system for the prefix /usr, else <prefix>/lib/systemd/system)")
set(SKRED_DEB_MAINTAINER "skred maintainers <maintainers@skred.invalid>"
    CACHE STRING "Maintainer of the .deb (and its changelog)")

# The man page's date: the source's, not the build's (SOURCE_DATE_EPOCH
# when set, as reproducible builds do).
string(TIMESTAMP SKRED_MAN_DATE "%Y-%m-%d" UTC)

# bash completion, made by the built skred from its own tables.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/skred.bash-completion
  COMMAND $<TARGET_FILE:skred> completion bash
          > ${CMAKE_BINARY_DIR}/skred.bash-completion
  DEPENDS skred VERBATIM)
add_custom_target(skred_completion ALL
  DEPENDS ${CMAKE_BINARY_DIR}/skred.bash-completion)

install(TARGETS skred RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The simulator, for an offline demo of an installed skred
# (SKRED_VARSOM_URL pointing at it; README "Install").
install(TARGETS varsom-sim
        RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/skred)
install(FILES ${CMAKE_BINARY_DIR}/skred.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME skred)
install(FILES deploy/skred.sysusers
        DESTINATION lib/sysusers.d RENAME skred.conf)
install(FILES README.md docs/ARCHITECTURE.md docs/CONFIGURATION.md
              docs/DATA_MODEL.md docs/API.md docs/TESTING.md docs/openapi.yaml
              deploy/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(CODE "set(SKRED_SRC \"${CMAKE_SOURCE_DIR}\")
set(SKRED_BIN_DIR \"${CMAKE_BINARY_DIR}\")
set(SKRED_VERSION \"${PROJECT_VERSION}\")
set(SKRED_MAN_DATE \"${SKRED_MAN_DATE}\")
set(SKRED_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(SKRED_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
set(SKRED_DOCDIR_REL \"${CMAKE_INSTALL_DOCDIR}\")
set(SKRED_UNITDIR \"${SKRED_SYSTEMD_UNITDIR}\")
set(SKRED_DEB_MAINTAINER \"${SKRED_DEB_MAINTAINER}\")")
install(SCRIPT cmake/install_files.cmake)
