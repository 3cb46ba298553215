# Installation layout and the Debian package (`make deb`, CPack's DEB generator).
# Included at the end of the top-level CMakeLists.txt. The layout is Debian's: the
# binary in /usr/sbin, the unit in /lib/systemd/system (systemd/sitedns.service runs
# /usr/sbin/sitedns), the configuration in /etc/sitedns.

include(GNUInstallDirs)

set(SITEDNS_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/packaging)
set(SITEDNS_PACKAGING_OUT ${CMAKE_BINARY_DIR}/packaging)

# Debian wants the man page and the changelog compressed with `gzip -9n` (no timestamp
# or name in the header, so the package is reproducible).
find_program(SITEDNS_GZIP gzip REQUIRED)
function(sitedns_gzip source output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${SITEDNS_GZIP} -9nc ${source} > ${output}
    DEPENDS ${source}
    VERBATIM)
endfunction()

configure_file(${SITEDNS_PACKAGING_DIR}/changelog.in ${SITEDNS_PACKAGING_OUT}/changelog @ONLY)
sitedns_gzip(${SITEDNS_PACKAGING_DIR}/sitedns.8 ${SITEDNS_PACKAGING_OUT}/sitedns.8.gz)
sitedns_gzip(${SITEDNS_PACKAGING_OUT}/changelog ${SITEDNS_PACKAGING_OUT}/changelog.gz)
add_custom_target(sitedns_package_docs ALL
  DEPENDS ${SITEDNS_PACKAGING_OUT}/sitedns.8.gz ${SITEDNS_PACKAGING_OUT}/changelog.gz)

install(TARGETS sitedns RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/systemd/sitedns.service DESTINATION /lib/systemd/system)
# /etc/sitedns 0750 and its configuration 0640, root's: a `cookies.secret` in it is not
# world-readable. postinst gives both to the group sitedns, which it creates (CPack cannot
# chown to a group that does not exist yet), so that the service can read them.
install(DIRECTORY DESTINATION /etc/sitedns
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
install(FILES ${SITEDNS_PACKAGING_DIR}/sitedns.json DESTINATION /etc/sitedns
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${SITEDNS_PACKAGING_OUT}/sitedns.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${SITEDNS_PACKAGING_DIR}/copyright ${SITEDNS_PACKAGING_OUT}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB sitedns_example_zones ${CMAKE_SOURCE_DIR}/zones/examples/*.json)
install(FILES ${sitedns_example_zones} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/zones)
install(FILES ${CMAKE_SOURCE_DIR}/config/examples/sites.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sitedns)
set(CPACK_PACKAGE_VENDOR "sitedns developers")
set(CPACK_PACKAGE_CONTACT "sitedns developers <sitedns@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "site-aware authoritative DNS server")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/sitedns")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "sitedns is the internal DNS server of an organisation that shares one public
mail domain across several office sites. It answers authoritatively for the
sites' internal zones with a per-site view chosen by the client's subnet,
forwards everything else to upstream resolvers, checks the mail routing
topology for loops before serving it, and reloads on SIGHUP without dropping
a query.")
# libc, libstdc++, ldns, spdlog, libsystemd, ... from dpkg-shlibdeps (dpkg-dev); adduser for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dns-root-data: the root trust anchor that `dnssec.trust_anchor` names by default.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, dns-root-data")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SITEDNS_PACKAGING_DIR}/debian/conffiles ${SITEDNS_PACKAGING_DIR}/debian/postinst
    ${SITEDNS_PACKAGING_DIR}/debian/prerm ${SITEDNS_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
