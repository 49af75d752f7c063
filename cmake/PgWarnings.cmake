# Warning flags for every parkguide target; -Werror when PG_WERROR is on (CI does).
add_library(pg_warnings INTERFACE)
target_compile_options(pg_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(PG_WERROR)
  target_compile_options(pg_warnings INTERFACE -Werror)
endif()

if(PG_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
