# embed_conf.cmake -- cmake -DIN=remote-reference.conf -DOUT=file.c -P embed_conf.cmake
# Writes IN as akti_remote_reference_conf[] (NUL-terminated) and its length.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUT}.tmp
"/* generated from remote-reference.conf by embed_conf.cmake -- do not edit */
#include <stddef.h>

#include \"akt/export.h\"

AKTI_INTERNAL extern const unsigned char akti_remote_reference_conf[];
AKTI_INTERNAL extern const size_t akti_remote_reference_conf_len;

const unsigned char akti_remote_reference_conf[] = {
    ${bytes}0x00};
const size_t akti_remote_reference_conf_len = ${len};
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
