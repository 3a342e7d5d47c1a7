# Warning flags for jobmon's own targets (not for consumers).
function(jobmon_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion -Wnon-virtual-dtor)
  # GCC 12 reports false -Wrestrict positives inside std::string assignment
  # at -O2 (GCC bug 105329); the warning says nothing about our code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(JOBMON_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
