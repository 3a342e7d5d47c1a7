#!/usr/bin/env bash
# Downstream use: install jobmon into a prefix, then build a consumer with
# find_package(jobmon), with add_subdirectory, and with pkg-config.
source "$(dirname "$0")/lib.sh"
if [[ "${JOBMON_SANITIZE:-OFF}" == "ON" ]]; then
  skip "not run in the sanitizer build (consumers are built without sanitizers)"
fi
: "${JOBMON_BUILD:?}"
EXPECTED="Summary: 1/2 (50%) jobs completed, 20/22 (91%) tasks completed."

cmake --install "$JOBMON_BUILD" --prefix "$WORK/prefix" > "$WORK/install.log"
for f in include/jobmon/jobmon.hpp include/jobmon/version.hpp lib/libjobmon.a lib/cmake/jobmon/jobmonConfig.cmake \
         lib/pkgconfig/jobmon.pc bin/jobmon-status; do
  if [[ -e "$WORK/prefix/$f" ]]; then pass; else fail "installed tree lacks $f"; fi
done

# Nothing outside the prefix: every path the install wrote lies under it.
outside=$(grep -v "^$WORK/prefix/" "$JOBMON_BUILD/install_manifest.txt" || true)
if [[ -z "$outside" && -s "$JOBMON_BUILD/install_manifest.txt" ]]; then pass; else fail "installed outside the prefix: $outside"; fi

# Every installed header compiles on its own (no header leans on another
# being included first, none names a private header).
mapfile -t headers < <(cd "$WORK/prefix/include" && find jobmon -name '*.hpp' | sort)
if ((${#headers[@]} >= 20)); then pass; else fail "only ${#headers[@]} headers installed"; fi
printf '%s\n' "${headers[@]}" | xargs -P"$(nproc)" -I{} sh -c \
  'echo "#include <{}>" | g++ -std=c++20 -fsyntax-only -I"$1" -x c++ - 2> "$2/hdr-$(echo {} | tr / _).log" || echo {}' \
  _ "$WORK/prefix/include" "$WORK" > "$WORK/bad-headers"
if [[ ! -s "$WORK/bad-headers" ]]; then pass; else cat "$WORK"/hdr-*.log | head -30; fail "headers that do not compile alone: $(tr '\n' ' ' < "$WORK/bad-headers")"; fi

# find_package
cmake -S "$JOBMON_SOURCE/tests/consumer" -B "$WORK/fp" -DCMAKE_PREFIX_PATH="$WORK/prefix" > "$WORK/fp.log" 2>&1 \
  || { cat "$WORK/fp.log"; fail "find_package configure"; }
cmake --build "$WORK/fp" -j2 > "$WORK/fp-build.log" 2>&1 || { tail -30 "$WORK/fp-build.log"; fail "find_package build"; }
OUT=$("$WORK/fp/consumer" "$FIXTURES_DIR/datatrove")
expect_contains "$OUT" "$EXPECTED" "find_package consumer runs"

# add_subdirectory
cmake -S "$JOBMON_SOURCE/tests/consumer" -B "$WORK/sub" -DJOBMON_SOURCE_DIR="$JOBMON_SOURCE" > "$WORK/sub.log" 2>&1 \
  || { cat "$WORK/sub.log"; fail "add_subdirectory configure"; }
cmake --build "$WORK/sub" -j2 --target consumer > "$WORK/sub-build.log" 2>&1 || { tail -30 "$WORK/sub-build.log"; fail "add_subdirectory build"; }
OUT=$("$WORK/sub/consumer" "$FIXTURES_DIR/datatrove")
expect_contains "$OUT" "$EXPECTED" "add_subdirectory consumer runs"
if [[ -e "$WORK/sub/jobmon-build/tests" ]]; then fail "a subproject must not build jobmon's tests"; else pass; fi

# pkg-config
export PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig"
expect_eq "$(pkg-config --modversion jobmon)" "$(sed -n 's/.*version_string = "\(.*\)";/\1/p' "$WORK/prefix/include/jobmon/version.hpp")" "pkg-config version"
# shellcheck disable=SC2046
g++ -o "$WORK/pc-consumer" "$JOBMON_SOURCE/tests/consumer/main.cpp" $(pkg-config --cflags --libs jobmon) \
  || fail "pkg-config build"
OUT=$("$WORK/pc-consumer" "$FIXTURES_DIR/datatrove")
expect_contains "$OUT" "$EXPECTED" "pkg-config consumer runs"

finish
