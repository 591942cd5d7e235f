# TR_SANITIZE builds everything with ASan + UBSan and stops on the first
# report (no recovery), as CI wants.
if(TR_SANITIZE)
  set(TR_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${TR_SAN_FLAGS})
  add_link_options(${TR_SAN_FLAGS})
endif()
