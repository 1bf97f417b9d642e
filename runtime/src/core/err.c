/*
 * err.c -- text for the akt_err codes, generated from AKT_ERR_MAP.
 */
#include "akt/err.h"

const char *
akt_strerror(akt_err err)
{
    switch (err) {
#define AKT_ERR_TEXT_(name, value, text)                                       \
    case AKT_##name:                                                           \
        return text;
        AKT_ERR_MAP(AKT_ERR_TEXT_)
#undef AKT_ERR_TEXT_
    default:
        return "unknown error";
    }
}

const char *
akt_err_name(akt_err err)
{
    switch (err) {
#define AKT_ERR_NAME_(name, value, text)                                       \
    case AKT_##name:                                                           \
        return #name;
        AKT_ERR_MAP(AKT_ERR_NAME_)
#undef AKT_ERR_NAME_
    default:
        return "EUNKNOWN";
    }
}
