/*
 * akt/reflect.h -- what a type descriptor's field table can do on its own:
 * the table-driven operations on a value of any type (defaults, deep copy,
 * equality, msgpack encode and decode), and reflection (find a field by
 * index, number or name; read and write it).
 *
 * Every operation here reads only the descriptor (akt_type: size,
 * alignment, field table, default instance) and the field table of each
 * nested type, so it works for any type, whether aktc generated it, a
 * program built it at run time, or a binding (Python) describes it; see
 * docs/encoding.md ("Reflection and the table-driven codec").
 *
 * Objects here are plain structs of a type (what a message pointer points
 * to, a nested message, a list element), not necessarily messages made by
 * akt_msg_new. Variable-size parts (strings, bytes, lists, maps, nested
 * messages) go to the arena the caller passes: for a message, its own
 * (akt_msg_arena). The table must describe the whole struct: a member that
 * is not in it is copied byte for byte and is not encoded.
 */
#ifndef AKT_REFLECT_H
#define AKT_REFLECT_H

#include "akt/actor.h"
#include "akt/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- table-driven operations --------------------------------------------- */

/* akt_type_serializable -- whether messages of t can leave the process
 * (akt_msg_encode / akt_msg_decode): t has its own encode and decode
 * functions, or its field table is the whole struct (AKT_TYPE_TABLE, every
 * aktc-generated type). False for NULL. */
AKT_API bool akt_type_serializable(const akt_type *t);

/* akt_type_init -- write t's defaults into obj (t->size bytes, zeroed by
 * the caller): a copy of t->defaults, else what t->init writes, else
 * nothing (all zero). Default strings point to static storage; aktc's
 * types allocate nothing, so arena may be NULL for them. */
AKT_API void akt_type_init(const akt_type *t, void *obj, akt_arena *arena);

/* akt_type_copy -- deep copy src into dst (t->size bytes, zeroed or not):
 * strings, bytes, lists, maps and nested messages are copied into arena,
 * so dst does not depend on src afterwards. AKT_ENOMEM when the arena
 * cannot grow (dst is then partly copied and must not be used). */
AKT_API akt_err akt_type_copy(
    const akt_type *t, void *dst, const void *src, akt_arena *arena);

/* akt_type_equal -- deep, field by field: floats compare bitwise (a NaN
 * equals its copy), an absent non-optional nested message equals its
 * type's default value, an absent optional field equals only another
 * absent one. */
AKT_API bool akt_type_equal(const akt_type *t, const void *a, const void *b);

/* akt_type_encode -- append obj's msgpack map {field number: value} to out
 * (docs/encoding.md): every non-optional field, optional ones when present,
 * in field table order; the same bytes as aktc's encoders. Errors, out->len
 * unchanged: AKT_EINVAL (a string that is not well-formed UTF-8, a NULL
 * pointer with a non-zero length, a field kind the table cannot hold),
 * AKT_ETOOBIG (a length over UINT32_MAX, nesting deeper than 512),
 * AKT_ENOMEM. */
AKT_API akt_err akt_type_encode(
    const akt_type *t, const void *obj, akt_buf *out);

/* akt_type_decode -- read one map into obj (zeroed, then akt_type_init'ed),
 * with r's limits: unknown field numbers are skipped, missing fields keep
 * their defaults, variable parts go to arena (charged to r's budget).
 * Returns AKT_OK or r's latched error (AKT_EPROTO, AKT_ERANGE,
 * AKT_ETOOBIG, AKT_ENOMEM); on error obj holds a partial value. As a
 * descriptor's decode, it does not count obj's own map toward
 * r->max_depth (akt_msg_decode enters once for the top level). */
AKT_API akt_err akt_type_decode(
    const akt_type *t, void *obj, akt_reader *r, akt_arena *arena);

/* --- reflection ---------------------------------------------------------- */

/* Fields of t: by position in the table (0 .. t->nfields-1), by field
 * number, by IDL name. NULL when there is no such field. */
AKT_API const akt_field *akt_type_field(const akt_type *t, size_t index);
AKT_API const akt_field *akt_type_field_by_number(
    const akt_type *t, uint32_t number);
AKT_API const akt_field *akt_type_field_by_name(
    const akt_type *t, const char *name);

/* akt_kind_member_layout -- size and alignment of the struct member that
 * holds one field of kind k (akt_kind) in generated and run-time-built
 * types: scalars and enums as themselves, str/bytes/ref/list/map as
 * akt_str/akt_bytes/akt_ref/akt_list/akt_map, a nested message as a
 * pointer. Tools that lay out a descriptor (aktc --decode, the Python
 * bindings) use it so their structs match the generated C. An unknown kind
 * gives a pointer's size. */
AKT_API void akt_kind_member_layout(uint16_t k, size_t *size, size_t *align);

/* akt_field_elem_size -- sizeof one element (a map: one value) of the
 * LIST or MAP field f: f->elem_size, or where that is 0 (aktc's field rows
 * since ABI 5 leave it to the runtime) the size of f->elem_kind
 * (f->msg_type->size for messages, which lists hold inline). 0 for fields
 * of other kinds. */
AKT_API size_t akt_field_elem_size(const akt_field *f);

/* One field's value, by kind (akt_kind). Integers and enums widen to i or
 * u, floats to f; str, bytes, list and map are views into the object's
 * storage (list/map items are laid out as the field's elem_kind /
 * key_kind, elem_size bytes each); msg points to the nested struct (NULL
 * when absent). */
typedef struct akt_value {
    uint16_t kind; /* akt_kind of the field */
    union {
        bool b; /* BOOL */
        int64_t i; /* INT8..INT64, ENUM */
        uint64_t u; /* UINT8..UINT64 */
        double f; /* FLOAT32, FLOAT64 */
        akt_str s; /* STRING */
        akt_bytes bytes; /* BYTES */
        const void *msg; /* MESSAGE */
        akt_ref ref; /* REF */
        akt_list list; /* LIST */
        akt_map map; /* MAP */
    } v;
} akt_value;

/* akt_field_present -- whether f holds a value in obj: always true for a
 * non-optional field; for an optional one, its `has_` flag (a message: its
 * pointer is not NULL). */
AKT_API bool akt_field_present(const akt_field *f, const void *obj);

/* akt_field_get -- f's value in obj into *out (views, nothing copied; valid
 * as long as obj is unchanged). AKT_ENOENT for an absent optional field
 * (*out then holds the kind and a zero value). */
AKT_API akt_err akt_field_get(
    const akt_field *f, const void *obj, akt_value *out);

/* akt_field_set -- set f in obj to *v, whose kind must be f->kind
 * (AKT_ETYPE otherwise), making an optional field present. Strings, bytes,
 * lists, maps and nested messages (v->v.msg: a struct of f->msg_type; NULL
 * is absent, or the type's default for a non-optional field) are
 * deep-copied into arena. Errors, obj unchanged: AKT_ERANGE (an integer
 * that does not fit the field, a finite double beyond float's range for
 * FLOAT32), AKT_EINVAL (a string, list element or map key that is not
 * well-formed UTF-8, a NULL pointer with a length), AKT_ENOMEM. */
AKT_API akt_err akt_field_set(
    const akt_field *f, void *obj, const akt_value *v, akt_arena *arena);

/* akt_field_clear -- make an optional field of obj absent; a non-optional
 * one of type t takes its default value again. */
AKT_API void akt_field_clear(const akt_type *t, const akt_field *f, void *obj);

/* By name, on a message made by akt_msg_new (or decoded): its own type and
 * arena. AKT_EINVAL when its type has no field of that name; otherwise as
 * akt_field_get / akt_field_set. */
AKT_API akt_err akt_msg_get(const void *msg, const char *name, akt_value *out);
AKT_API akt_err akt_msg_set(void *msg, const char *name, const akt_value *v);

#ifdef __cplusplus
}
#endif
#endif /* AKT_REFLECT_H */
