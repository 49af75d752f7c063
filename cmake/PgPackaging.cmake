# `cmake --install` and the Debian package (`make package`: cpack -G DEB in build/release):
# the binary, the systemd unit parkguide@CITY.service, an example of its options file, the docs.
# The package's postinst makes the `parkguide` system user and /var/lib/parkguide.
# docs/operations.md, "Running as a service".
include(GNUInstallDirs)
install(TARGETS parkguide RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The unit is for the package's /usr/bin/parkguide; a /usr/local install gets it too, to adapt.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/parkguide@.service
        DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/city.env.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        PATTERN "*.png" EXCLUDE PATTERN "*.pdf" EXCLUDE PATTERN "reports" EXCLUDE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parkguide)
set(CPACK_PACKAGE_VENDOR "parkguide")
set(CPACK_PACKAGE_CONTACT "parkguide maintainers <parkguide@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "City parking guidance and information system (城市停车诱导系统)")
set(CPACK_PACKAGE_DESCRIPTION
    "Live occupancy from car-park gates, bay sensors and EV chargers; guidance to a free space;
guidance signs; forecasts; the traffic centre's dashboard and the weekly report.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps: the libraries the binary links
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tar")
# The weekly report's PDF is printed by Chromium; without it the server writes HTML only.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "chromium")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
