# `make deb`: the Debian package, by CPack's DEB generator from the install
# rules (cmake/install.cmake) with the prefix /usr. Depends is computed by
# dpkg-shlibdeps from the binaries' libraries (plus adduser, which postinst
# uses); /etc/skred/skred.conf is a conffile; the maintainer scripts
# (deploy/debian/) add the skred system user and enable the service the way
# debhelper would. tests/deploy/test_deb.sh builds it, inspects it and runs
# lintian.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME skred)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Norway's avalanche warnings collected into a local warehouse")
# The extended description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"skred fetches the avalanche warnings of NVE's varsom API every day
(Simple and Detail, every region, Norwegian and English), cleans them into
typed records and keeps them with every revision in SQLite (or Apache
Kafka and Apache Cassandra). It runs as a systemd service (skred serve)
with schedules, catch-up, retries, a run ledger, a web UI and a JSON API.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SKRED_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
if(SKRED_AVRO_DEB_PACKAGE)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ${SKRED_AVRO_DEB_PACKAGE}")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # skred_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# build/skred_<version>_<arch>.deb (`cpack -B DIR` puts it in DIR instead)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
include(CPack)
