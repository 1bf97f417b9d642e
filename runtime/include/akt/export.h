/*
 * akt/export.h -- symbol visibility for libakt.
 *
 * AKT_API marks the public API (exported from the shared library);
 * AKTI_INTERNAL marks internal non-static symbols (akti_*), hidden.
 */
#ifndef AKT_EXPORT_H
#define AKT_EXPORT_H

#if defined(_WIN32)
#define AKT_API __declspec(dllexport)
#define AKTI_INTERNAL
#elif defined(__GNUC__)
#define AKT_API       __attribute__((visibility("default")))
#define AKTI_INTERNAL __attribute__((visibility("hidden")))
#else
#define AKT_API
#define AKTI_INTERNAL
#endif

#endif /* AKT_EXPORT_H */
