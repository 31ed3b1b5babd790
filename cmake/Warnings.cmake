# Warnings.cmake -- the project's warning set and hardening flags.
# Every warning is an error: a warning left standing hides the next one.
include(CheckCCompilerFlag)
set(MDNS_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
  -Wno-unused-parameter)
foreach(flag IN LISTS MDNS_WARNINGS)
  string(MAKE_C_IDENTIFIER "HAS${flag}" var)
  check_c_compiler_flag(${flag} ${var})
  if(${var})
    add_compile_options(${flag})
  endif()
endforeach()
add_compile_options(-fstack-protector-strong -fno-strict-aliasing)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT MDNS_SANITIZE)
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
add_link_options(-Wl,-z,relro -Wl,-z,now)
