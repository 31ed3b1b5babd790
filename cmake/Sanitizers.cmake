# Sanitizers.cmake -- MDNS_SANITIZE=address,undefined (or thread) for the
# whole build; any finding aborts, so CI cannot pass over one.
if(MDNS_SANITIZE)
  set(_san "-fsanitize=${MDNS_SANITIZE}" -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
