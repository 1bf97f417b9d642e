/*
 * table.h -- what the codec's table-driven walker (table.c) shares with the
 * rest of libakt: element sizes and alignments by kind, and the encoder
 * without argument checks (akt_msg_encode calls it).
 */
#ifndef AKTI_CODEC_TABLE_H
#define AKTI_CODEC_TABLE_H

#include <stddef.h>

#include "akt/msg.h"

/* akti_has_offset -- where f keeps its `bool has_<name>`, or AKT_NO_OFFSET
 * when it has none: only an optional field that is not a message has one
 * (aktc leaves has_offset 0 in the other rows: ABI 4). */
static inline uint32_t
akti_has_offset(const akt_field *f)
{
    return (f->flags & AKT_FIELD_OPTIONAL) && f->kind != AKT_KIND_MESSAGE
        ? f->has_offset
        : AKT_NO_OFFSET;
}

/* akti_kind_size / akti_kind_align -- sizeof / _Alignof one value of kind
 * k as a list element or map key (mt: the type of a MESSAGE element); 0 /
 * 1 for kinds that cannot be one (NONE, LIST, MAP). */
AKTI_INTERNAL size_t akti_kind_size(unsigned k, const akt_type *mt);
AKTI_INTERNAL size_t akti_kind_align(unsigned k, const akt_type *mt);

/* akti_elem_size -- sizeof one element (value) of a LIST/MAP field: its
 * elem_size, or the size of its elem_kind where the row leaves it 0 (aktc
 * since ABI 5). akt_field_elem_size is the public form. */
static inline size_t
akti_elem_size(const akt_field *f)
{
    return f->elem_size ? f->elem_size
                        : akti_kind_size(f->elem_kind, f->msg_type);
}

/* akti_copy_items -- n elements of kind k (size bytes each, aligned to
 * align) from src into new arena storage (*out NULL for n == 0), strings,
 * bytes and nested messages copied too. AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_copy_items(akt_arena *arena, unsigned k,
    const akt_type *mt, const char *src, size_t n, size_t size, size_t align,
    void **out);

/* akti_type_default -- a calloc'ed, init'ed instance of t in *tmp (the
 * caller frees it); NULL on ENOMEM. */
AKTI_INTERNAL const void *akti_type_default(const akt_type *t, void **tmp);

/* akti_type_encode -- akt_type_encode with t, obj and out known valid. */
AKTI_INTERNAL akt_err akti_type_encode(
    const akt_type *t, const void *obj, akt_buf *out);

#endif /* AKTI_CODEC_TABLE_H */
