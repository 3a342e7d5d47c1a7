# Warning flags for jobmon's own targets (not for consumers).
function(jobmon_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion -Wnon-virtual-dtor)
  if(JOBMON_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
