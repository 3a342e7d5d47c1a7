# Install the library, headers, tools and a relocatable CMake package + pkg-config file.
# Components: Runtime (the jobmon-* executables), Development (library, headers,
# CMake package, pkg-config), Python (the module, see bindings/python).
# Everything goes under CMAKE_INSTALL_PREFIX (`cmake --install build --prefix P`).
include(CMakePackageConfigHelpers)

install(TARGETS jobmon EXPORT jobmonTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development)
install(EXPORT jobmonTargets NAMESPACE jobmon::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jobmon COMPONENT Development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/jobmonConfig.cmake.in
  ${PROJECT_BINARY_DIR}/jobmonConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jobmon)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/jobmonConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/jobmonConfig.cmake ${PROJECT_BINARY_DIR}/jobmonConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jobmon COMPONENT Development)

# The .pc file finds its prefix relative to itself, so the tree is relocatable.
file(RELATIVE_PATH JOBMON_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/jobmon.pc.in ${PROJECT_BINARY_DIR}/jobmon.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/jobmon.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)
