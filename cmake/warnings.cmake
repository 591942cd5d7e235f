# dqlite's warning list as the base (STYLE.md); -Werror under TR_WERROR.
set(TR_WARNINGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wold-style-definition -Wformat=2 -Wimplicit-fallthrough -Wundef -Wvla
  -Wno-unused-parameter)
if(TR_WERROR)
  list(APPEND TR_WARNINGS -Werror)
endif()
add_compile_options(${TR_WARNINGS})
if(CMAKE_BUILD_TYPE STREQUAL "Release" OR CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
  add_compile_options(-fstack-protector-strong -D_FORTIFY_SOURCE=2)
endif()
