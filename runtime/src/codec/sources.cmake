# codec: msgpack encoding of user messages -- the primitives generated
# encoders/decoders call (akt/akt_gen.h) and akt_msg_encode/akt_msg_decode.
# Hand-written writer and zero-copy reader; see mp_write.c / mp_read.c.
file(GLOB AKT_CODEC_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND AKT_SOURCES ${AKT_CODEC_SOURCES})
