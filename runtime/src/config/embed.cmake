# embed.cmake -- cmake -DIN=file -DOUT=file.c -P embed.cmake
# Writes IN as akti_cfg_reference_conf[] (bytes, NUL-terminated) and
# akti_cfg_reference_conf_len, so libakt needs no file at run time.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUT}.tmp
"/* generated from reference.conf by embed.cmake -- do not edit */
#include <stddef.h>

#include \"akt/export.h\"

AKTI_INTERNAL extern const unsigned char akti_cfg_reference_conf[];
AKTI_INTERNAL extern const size_t akti_cfg_reference_conf_len;

const unsigned char akti_cfg_reference_conf[] = {
    ${bytes}0x00};
const size_t akti_cfg_reference_conf_len = ${len};
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
