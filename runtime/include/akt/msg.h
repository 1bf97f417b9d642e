/*
 * akt/msg.h -- type descriptors, messages and their arenas.
 *
 * The contract between aktc-generated code and libakt (docs/architecture.md
 * and docs/encoding.md):
 *
 *  - Every message/event/state type has one `const akt_type` descriptor:
 *    qualified name, a stable 64-bit id (akt_type_id(name): FNV-1a 64 over
 *    the UTF-8 bytes of "pkg.Name"; the same in C, Python and on the wire),
 *    size, a field table and a default value, from which the runtime
 *    copies, compares and msgpack-encodes/decodes every aktc-generated
 *    type (akt/reflect.h); hand-written descriptors may bring their own
 *    init/fini/copy/equal/encode/decode functions instead.
 *  - A message is ONE allocation: a private runtime header, then the
 *    generated struct (the pointer users hold, `pkg_Hello *`), then an arena
 *    that holds the message's strings, bytes, lists and nested messages.
 *    akt_msg_free() releases it all. Messages are reference counted so a
 *    broadcast shares one message; akt_msg_retain() adds a reference.
 *  - Inside a process messages are never serialized.
 */
#ifndef AKT_MSG_H
#define AKT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/err.h"
#include "akt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the descriptor/ABI layout below. Generated headers check
 * `#if AKT_GEN_ABI != <n>` at compile time (see akt/akt_gen.h).
 * 2: akt_type.defaults; generated types carry no per-type functions (the
 * runtime's table-driven ones serve them, AKT_TYPE_TABLE).
 * 3: typed refs, call, tell_from and forward: generated code calls
 * akt_call and akt_forward_msg; akt_lifecycle.init.
 * 4: compact generated code: field rows leave has_offset 0 where it is not
 * read (see akt_field), inline constructors over akt_cstr_size and
 * akt_msg_put_str/_bytes, no per-message free/dup/equal/encode wrappers,
 * no doc strings in generated descriptors.
 * 5: constructors measure each string once (akt_cstr_size, then
 * akt_msg_put_cstr); field rows leave elem_size 0 (akt_field_elem_size
 * derives it); persistent actors' typed spawn sets akt_props.init_fini.
 * 6: field tables and descriptors are written with akt/akt_gen.h's macros
 * (AKT_F..., AKT_FIELDS, AKT_DESC; same akt_field / akt_type values).
 * 7: generated headers expand akt/akt_gen.h's AKT_MESSAGE (typedef,
 * extern desc/default, _alloc, _decode), AKT_NEW in _new, AKT_TELL and
 * AKT_ASK (_ask_m_wait now inline), AKT_LIST_OF / AKT_MAP_OF members; .c
 * files AKT_ON, AKT_FIELDS without an argument and AKT_MSG. */
#define AKT_GEN_ABI 7

typedef struct akt_type akt_type;
typedef struct akt_enum_type akt_enum_type;
typedef struct akt_arena akt_arena;
struct akt_system;

/* --- field kinds and the field table (reflection) ------------------------ */

typedef enum akt_kind {
    AKT_KIND_NONE = 0,
    AKT_KIND_BOOL,
    AKT_KIND_INT8,
    AKT_KIND_INT16,
    AKT_KIND_INT32,
    AKT_KIND_INT64,
    AKT_KIND_UINT8,
    AKT_KIND_UINT16,
    AKT_KIND_UINT32,
    AKT_KIND_UINT64,
    AKT_KIND_FLOAT32,
    AKT_KIND_FLOAT64,
    AKT_KIND_STRING, /* akt_str */
    AKT_KIND_BYTES, /* akt_bytes */
    AKT_KIND_MESSAGE, /* T * (NULL when absent), storage in the arena */
    AKT_KIND_ENUM, /* int32_t */
    AKT_KIND_LIST, /* akt_list layout: { T *items; size_t len; } */
    AKT_KIND_MAP, /* akt_map layout: { K *keys; V *values; size_t len; } */
    AKT_KIND_REF /* akt_ref */
} akt_kind;

/* Strings: NUL-terminated, len excludes the NUL. {NULL,0} is the empty
 * default and reads as "". Storage is in the owning message's arena. */
typedef struct akt_str {
    const char *ptr;
    size_t len;
} akt_str;

typedef struct akt_bytes {
    const uint8_t *ptr;
    size_t len;
} akt_bytes;

/* Generic layouts that generated list/map structs are layout-compatible
 * with (generated code declares typed twins: `int32_t *items; size_t len`). */
typedef struct akt_list {
    void *items;
    size_t len;
} akt_list;

typedef struct akt_map {
    void *keys;
    void *values;
    size_t len;
} akt_map;

enum {
    AKT_FIELD_OPTIONAL = 1u << 0, /* presence in a `bool has_<name>` */
    AKT_FIELD_DEPRECATED = 1u << 1,
};

#define AKT_NO_OFFSET UINT32_MAX

typedef struct akt_field {
    const char *name; /* the IDL name */
    uint32_t number; /* the field number, key in the msgpack map */
    uint16_t kind; /* akt_kind */
    uint16_t flags; /* AKT_FIELD_* */
    uint32_t offset; /* offsetof the member in the generated struct */
    /* offsetof `bool has_<name>` of an optional field that is not a
     * message (AKT_NO_OFFSET: none, the field always reads as present);
     * not read for other fields (aktc leaves it 0 there). */
    uint32_t has_offset;
    uint16_t elem_kind; /* LIST: element kind; MAP: value kind */
    uint16_t key_kind; /* MAP: key kind */
    /* LIST/MAP: sizeof one element (value); 0 (aktc since ABI 5): the
     * runtime derives it from elem_kind, see akt_field_elem_size */
    uint32_t elem_size;
    const akt_type *msg_type; /* MESSAGE, or LIST/MAP of messages */
    const akt_enum_type *enum_type; /* ENUM, or LIST/MAP of enums */
    const char *doc; /* doc comment, or NULL */
} akt_field;

typedef struct akt_enum_value {
    const char *name;
    int32_t value;
} akt_enum_value;

struct akt_enum_type {
    const char *name; /* "pkg.Color" */
    const akt_enum_value *values;
    size_t nvalues;
};

/* --- encode/decode buffers (implemented in runtime/src/codec/) ------------ */

/* Growable output buffer; data is malloc-owned by the buffer. */
typedef struct akt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} akt_buf;

/* Limits applied when decoding untrusted bytes. A zero field takes the
 * system's akt.codec.max-depth / max-length in akt_msg_decode_in(sys, ...),
 * else the built-in defaults (64, 64 MiB). */
typedef struct akt_codec_limits {
    uint32_t max_depth; /* nesting of messages/lists/maps, default 64 */
    uint64_t max_length; /* bytes/string/list length and total arena, 64 MiB */
} akt_codec_limits;

/* Cursor over msgpack input with limits; err latches the first error. */
typedef struct akt_reader {
    const uint8_t *p;
    const uint8_t *end;
    uint32_t depth;
    uint32_t max_depth;
    uint64_t max_length;
    uint64_t budget; /* bytes the arena may still grow by */
    akt_err err;
    struct akt_system *system; /* resolves refs; NULL: refs decode as none */
} akt_reader;

/* --- type descriptors ---------------------------------------------------- */

enum {
    AKT_TYPE_MESSAGE = 1u << 0,
    AKT_TYPE_EVENT = 1u << 1, /* persistent actor event */
    AKT_TYPE_STATE = 1u << 2, /* actor state / snapshot */
    AKT_TYPE_SYSTEM = 1u << 3, /* runtime-provided (akt.Terminated, ...) */
    AKT_TYPE_CONTROL = 1u << 4, /* jumps control-aware mailboxes */
    /* The field table describes the whole struct: where init, copy,
     * equal, encode or decode is NULL, the runtime does it from the table
     * (akt/reflect.h: akt_type_init, akt_type_copy, ...). Without this
     * flag a NULL encode/decode means "cannot be serialized". */
    AKT_TYPE_TABLE = 1u << 5,
};

struct akt_type {
    uint32_t abi; /* AKT_GEN_ABI at generation time */
    uint32_t flags; /* AKT_TYPE_* */
    const char *name; /* fully qualified IDL name, "pkg.Hello" */
    uint64_t id; /* akt_type_id(name) */
    size_t size; /* sizeof the generated struct */
    size_t align; /* _Alignof the generated struct */
    const akt_field *fields;
    size_t nfields;
    /* defaults -- the default value (size bytes; default strings point to
     * static storage), or NULL for all zero. */
    const void *defaults;
    /* The functions below are each optional for an AKT_TYPE_TABLE type
     * (aktc generates none): the runtime then works from fields and
     * defaults (akt/reflect.h). */
    /* init -- write defaults into zeroed storage (may allocate from arena
     * for default strings; arena may be NULL when none are needed). */
    void (*init)(void *obj, akt_arena *arena);
    /* fini -- release what the object holds outside its arena; usually NULL */
    void (*fini)(void *obj);
    /* copy -- deep copy src into zeroed dst; variable parts go to arena. */
    akt_err (*copy)(void *dst, const void *src, akt_arena *arena);
    /* equal -- deep, field by field. */
    bool (*equal)(const void *a, const void *b);
    /* encode -- append the msgpack map {field number: value} to out. */
    akt_err (*encode)(const void *obj, akt_buf *out);
    /* decode -- read one map into zeroed, init'ed obj; unknown field numbers
     * are skipped, missing ones keep their defaults. */
    akt_err (*decode)(void *obj, akt_reader *r, akt_arena *arena);
    const char *doc;
};

/* akt_type_id -- FNV-1a 64 of the qualified name. aktc computes the same
 * value at compile time; this is for runtimes and tests. */
AKT_API uint64_t akt_type_id(const char *qualified_name);

/* --- type registries ------------------------------------------------------ */

/* A set of descriptors by id and by name, made with akt_registry_new() and
 * handed to what decodes messages by type id: remoting decodes only the
 * types of the registry given to akt_remote_start() (persistence will do
 * the same). Each generated file x.akt of package pkg provides
 * `pkg_x_register_types(akt_registry *)` (greeter.akt of package demo:
 * demo_greeter_register_types). Thread-safe: adds may race with finds. */
typedef struct akt_registry akt_registry;

AKT_API akt_err akt_registry_new(akt_registry **out);
AKT_API void akt_registry_free(akt_registry *reg);
/* akt_registry_add -- AKT_OK if added or already present (same descriptor
 * or an identical name and id); AKT_EEXIST if another type has the same id
 * or name; AKT_EINVAL for a descriptor of another ABI or whose id is not
 * akt_type_id(name). */
AKT_API akt_err akt_registry_add(akt_registry *reg, const akt_type *type);
/* NULL when absent. */
AKT_API const akt_type *akt_registry_find(const akt_registry *reg, uint64_t id);
AKT_API const akt_type *akt_registry_find_name(
    const akt_registry *reg, const char *name);
AKT_API size_t akt_registry_count(const akt_registry *reg);

/* --- arenas -------------------------------------------------------------- */

/* akt_arena_alloc -- size bytes aligned to align (a power of two) from the
 * arena; grows with chained blocks when the inline space is used up. The
 * memory lives until the owning message is freed. NULL on ENOMEM. */
AKT_API void *akt_arena_alloc(akt_arena *arena, size_t size, size_t align);

/* akt_arena_str -- copy len bytes of s plus a NUL into the arena. */
AKT_API akt_err akt_arena_str(
    akt_arena *arena, const char *s, size_t len, akt_str *out);
AKT_API akt_err akt_arena_bytes(
    akt_arena *arena, const void *p, size_t len, akt_bytes *out);

/* --- messages ------------------------------------------------------------ */

/* akt_msg_new -- one allocation holding a header, a zeroed and init'ed
 * instance of type, and arena_hint bytes of inline arena. Returns the
 * pointer to the struct (what users hold), or NULL on ENOMEM / bad type.
 * The caller owns one reference. */
AKT_API void *akt_msg_new(const akt_type *type, size_t arena_hint);

/* akt_msg_free -- drop one reference; the last one frees the message, its
 * arena blocks, and runs type->fini. NULL is ignored. */
AKT_API void akt_msg_free(void *msg);

/* akt_msg_retain -- add a reference (for broadcast or keeping a view past a
 * handler's return). Returns msg. */
AKT_API void *akt_msg_retain(const void *msg);

/* akt_msg_type -- the descriptor of a message made by akt_msg_new. */
AKT_API const akt_type *akt_msg_type(const void *msg);

/* akt_msg_arena -- the arena of msg, for filling its variable parts. */
AKT_API akt_arena *akt_msg_arena(void *msg);

/* akt_cstr_size -- the arena bytes a copy of the C string s takes
 * (strlen + 1), 0 for NULL: an arena_hint for akt_msg_new. */
AKT_API size_t akt_cstr_size(const char *s);

/* akt_msg_put_str -- copy the C string s into msg's arena and point *dst
 * (a member of msg) at it; s NULL leaves *dst as it is (the generated
 * constructors: NULL keeps the default). akt_msg_put_bytes likewise for
 * b (b.ptr NULL with b.len > 0 is AKT_EINVAL; empty gives {NULL, 0}).
 * Errors: AKT_EINVAL (msg or dst NULL), AKT_ENOMEM; *dst is then
 * unchanged. akt_msg_put_cstr: the same for s of size bytes, what
 * akt_cstr_size(s) gave (its NUL included), so s is measured once (the
 * generated constructors); AKT_EINVAL also for size 0 with s not NULL. */
AKT_API akt_err akt_msg_put_str(void *msg, akt_str *dst, const char *s);
AKT_API akt_err akt_msg_put_cstr(
    void *msg, akt_str *dst, const char *s, size_t size);
AKT_API akt_err akt_msg_put_bytes(void *msg, akt_bytes *dst, akt_bytes b);

/* akt_msg_dup -- deep copy into a new message of the same type, with one
 * reference. NULL on ENOMEM; NULL for NULL. */
AKT_API void *akt_msg_dup(const void *msg);

/* akt_msg_equal -- deep equality of two messages: false when their types
 * differ; true for two NULLs. */
AKT_API bool akt_msg_equal(const void *a, const void *b);

/* akt_msg_encode -- append msg's msgpack form to out (out is grown). */
AKT_API akt_err akt_msg_encode(const void *msg, akt_buf *out);

/* akt_msg_decode -- decode len bytes as type into a new message (one
 * reference to *out on AKT_OK; nothing to free on error). limits may be NULL
 * for the defaults. Errors: AKT_EPROTO (malformed, truncated, wrong types,
 * a string that is not well-formed UTF-8), AKT_ETOOBIG (limit hit),
 * AKT_ENOMEM. */
AKT_API akt_err akt_msg_decode(const akt_type *type, const void *data,
    size_t len, const akt_codec_limits *limits, void **out);

/* akt_msg_decode_in -- as akt_msg_decode, resolving the refs the message
 * carries in sys (akt_lookup: local paths, and remote addresses once
 * remoting runs in sys), with sys's akt.codec.* limits for the fields
 * limits leaves 0 (or all of them when limits is NULL). sys NULL decodes
 * refs as AKT_REF_NONE. */
AKT_API akt_err akt_msg_decode_in(struct akt_system *sys, const akt_type *type,
    const void *data, size_t len, const akt_codec_limits *limits, void **out);

/* Buffers. akt_buf_init zeroes; akt_buf_free releases data. */
AKT_API void akt_buf_init(akt_buf *buf);
AKT_API void akt_buf_free(akt_buf *buf);
AKT_API akt_err akt_buf_reserve(akt_buf *buf, size_t extra);

#ifdef __cplusplus
}
#endif
#endif /* AKT_MSG_H */
