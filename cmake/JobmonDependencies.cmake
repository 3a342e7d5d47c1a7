# Third-party dependencies, all from Debian 12 packages (scripts/install-deps.sh).
# Boost 1.81 is pinned: Debian's default Boost (1.74) has no Boost.JSON.
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json)
find_package(fmt REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(CURL REQUIRED)
find_package(simdjson REQUIRED CONFIG)
find_package(EXPAT REQUIRED)
