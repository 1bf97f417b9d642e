/*
 * reflect.c -- reflection over type descriptors (akt/reflect.h): fields by
 * index, number and name, and reading and writing one field of an object
 * through its akt_field (kind, offset, presence flag). Writes check what
 * the codec would refuse later (integer ranges, UTF-8 strings) so that a
 * value set here always encodes; variable parts are deep-copied into the
 * caller's arena, so the object never points into the caller's memory.
 */
#include <float.h>
#include <stdlib.h>

#include "akt/reflect.h"
#include "codec/mp_impl.h"
#include "codec/table.h"

const akt_field *
akt_type_field(const akt_type *t, size_t index)
{
    return t != NULL && index < t->nfields ? &t->fields[index] : NULL;
}

const akt_field *
akt_type_field_by_number(const akt_type *t, uint32_t number)
{
    for (size_t i = 0; t != NULL && i < t->nfields; i++) {
        if (t->fields[i].number == number) {
            return &t->fields[i];
        }
    }
    return NULL;
}

const akt_field *
akt_type_field_by_name(const akt_type *t, const char *name)
{
    for (size_t i = 0; t != NULL && name != NULL && i < t->nfields; i++) {
        if (strcmp(t->fields[i].name, name) == 0) {
            return &t->fields[i];
        }
    }
    return NULL;
}

void
akt_kind_member_layout(uint16_t k, size_t *size, size_t *align)
{
    size_t sz, al;
    switch (k) {
    case AKT_KIND_LIST:
        sz = sizeof(akt_list), al = _Alignof(akt_list);
        break;
    case AKT_KIND_MAP:
        sz = sizeof(akt_map), al = _Alignof(akt_map);
        break;
    case AKT_KIND_NONE:
    case AKT_KIND_MESSAGE:
        sz = sizeof(void *), al = _Alignof(void *);
        break;
    default:
        sz = akti_kind_size(k, NULL);
        al = akti_kind_align(k, NULL);
        if (sz == 0) {
            sz = sizeof(void *), al = _Alignof(void *);
        }
        break;
    }
    if (size != NULL) {
        *size = sz;
    }
    if (align != NULL) {
        *align = al;
    }
}

size_t
akt_field_elem_size(const akt_field *f)
{
    if (f == NULL || (f->kind != AKT_KIND_LIST && f->kind != AKT_KIND_MAP)) {
        return 0;
    }
    return akti_elem_size(f);
}

bool
akt_field_present(const akt_field *f, const void *obj)
{
    if (!(f->flags & AKT_FIELD_OPTIONAL)) {
        return true;
    }
    const char *base = obj;
    if (akti_has_offset(f) == AKT_NO_OFFSET) {
        return f->kind != AKT_KIND_MESSAGE
            || *(void *const *)(base + f->offset) != NULL;
    }
    return *(const bool *)(base + f->has_offset);
}

akt_err
akt_field_get(const akt_field *f, const void *obj, akt_value *out)
{
    if (f == NULL || obj == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->kind = f->kind;
    if (!akt_field_present(f, obj)) {
        return AKT_ENOENT;
    }
    const void *vp = (const char *)obj + f->offset;
    switch (f->kind) {
    case AKT_KIND_BOOL:
        out->v.b = *(const bool *)vp;
        break;
    case AKT_KIND_INT8:
        out->v.i = *(const int8_t *)vp;
        break;
    case AKT_KIND_INT16:
        out->v.i = *(const int16_t *)vp;
        break;
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        out->v.i = *(const int32_t *)vp;
        break;
    case AKT_KIND_INT64:
        out->v.i = *(const int64_t *)vp;
        break;
    case AKT_KIND_UINT8:
        out->v.u = *(const uint8_t *)vp;
        break;
    case AKT_KIND_UINT16:
        out->v.u = *(const uint16_t *)vp;
        break;
    case AKT_KIND_UINT32:
        out->v.u = *(const uint32_t *)vp;
        break;
    case AKT_KIND_UINT64:
        out->v.u = *(const uint64_t *)vp;
        break;
    case AKT_KIND_FLOAT32:
        out->v.f = *(const float *)vp;
        break;
    case AKT_KIND_FLOAT64:
        out->v.f = *(const double *)vp;
        break;
    case AKT_KIND_STRING:
        out->v.s = *(const akt_str *)vp;
        break;
    case AKT_KIND_BYTES:
        out->v.bytes = *(const akt_bytes *)vp;
        break;
    case AKT_KIND_MESSAGE:
        out->v.msg = *(const void *const *)vp;
        break;
    case AKT_KIND_REF:
        out->v.ref = *(const akt_ref *)vp;
        break;
    case AKT_KIND_LIST:
        out->v.list = *(const akt_list *)vp;
        break;
    case AKT_KIND_MAP:
        out->v.map = *(const akt_map *)vp;
        break;
    default:
        return AKT_EINVAL;
    }
    return AKT_OK;
}

/* set_scalar -- v (of kind k) into the value slot vp, range-checked;
 * strings and bytes only checked (the caller copies them). */
static akt_err
check_scalar(unsigned k, const akt_value *v)
{
    switch (k) {
    case AKT_KIND_INT8:
        return v->v.i < INT8_MIN || v->v.i > INT8_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_INT16:
        return v->v.i < INT16_MIN || v->v.i > INT16_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        return v->v.i < INT32_MIN || v->v.i > INT32_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_UINT8:
        return v->v.u > UINT8_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_UINT16:
        return v->v.u > UINT16_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_UINT32:
        return v->v.u > UINT32_MAX ? AKT_ERANGE : AKT_OK;
    case AKT_KIND_FLOAT32: {
        double d = v->v.f; /* NaN and infinities pass, as in the decoder */
        return d == d && (d > FLT_MAX || d < -FLT_MAX) && d - d == 0
            ? AKT_ERANGE
            : AKT_OK;
    }
    case AKT_KIND_STRING:
        if (v->v.s.ptr == NULL && v->v.s.len > 0) {
            return AKT_EINVAL;
        }
        return mp_utf8_valid((const uint8_t *)v->v.s.ptr, v->v.s.len)
            ? AKT_OK
            : AKT_EINVAL;
    case AKT_KIND_BYTES:
        return v->v.bytes.ptr == NULL && v->v.bytes.len > 0 ? AKT_EINVAL
                                                            : AKT_OK;
    default:
        return AKT_OK;
    }
}

/* check_items -- every string of a list or map is well-formed UTF-8. */
static akt_err
check_items(unsigned k, const void *items, size_t n, size_t size)
{
    if (n > 0 && items == NULL) {
        return AKT_EINVAL;
    }
    if (k != AKT_KIND_STRING) {
        return AKT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        akt_value v = { .kind = AKT_KIND_STRING };
        memcpy(&v.v.s, (const char *)items + i * size, sizeof v.v.s);
        akt_err rc = check_scalar(AKT_KIND_STRING, &v);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

akt_err
akt_field_set(
    const akt_field *f, void *obj, const akt_value *v, akt_arena *arena)
{
    if (f == NULL || obj == NULL || v == NULL) {
        return AKT_EINVAL;
    }
    if (v->kind != f->kind) {
        return AKT_ETYPE;
    }
    unsigned k = f->kind;
    akt_err rc = check_scalar(k, v);
    if (rc != AKT_OK) {
        return rc;
    }
    char *base = obj;
    void *vp = base + f->offset;
    /* Build the new value aside, so that obj is unchanged on error. */
    union {
        akt_str s;
        akt_bytes b;
        akt_list l;
        akt_map m;
        void *msg;
    } nv;
    memset(&nv, 0, sizeof nv);
    switch (k) {
    case AKT_KIND_BOOL:
        *(bool *)vp = v->v.b;
        break;
    case AKT_KIND_INT8:
        *(int8_t *)vp = (int8_t)v->v.i;
        break;
    case AKT_KIND_INT16:
        *(int16_t *)vp = (int16_t)v->v.i;
        break;
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        *(int32_t *)vp = (int32_t)v->v.i;
        break;
    case AKT_KIND_INT64:
        *(int64_t *)vp = v->v.i;
        break;
    case AKT_KIND_UINT8:
        *(uint8_t *)vp = (uint8_t)v->v.u;
        break;
    case AKT_KIND_UINT16:
        *(uint16_t *)vp = (uint16_t)v->v.u;
        break;
    case AKT_KIND_UINT32:
        *(uint32_t *)vp = (uint32_t)v->v.u;
        break;
    case AKT_KIND_UINT64:
        *(uint64_t *)vp = v->v.u;
        break;
    case AKT_KIND_FLOAT32:
        *(float *)vp = (float)v->v.f;
        break;
    case AKT_KIND_FLOAT64:
        *(double *)vp = v->v.f;
        break;
    case AKT_KIND_REF:
        *(akt_ref *)vp = v->v.ref;
        break;
    case AKT_KIND_STRING:
        if (v->v.s.len == 0) {
            nv.s.ptr = "";
        } else if ((rc = akt_arena_str(arena, v->v.s.ptr, v->v.s.len, &nv.s))
            != AKT_OK) {
            return rc;
        }
        *(akt_str *)vp = nv.s;
        break;
    case AKT_KIND_BYTES:
        if ((rc = akt_arena_bytes(arena, v->v.bytes.ptr, v->v.bytes.len, &nv.b))
            != AKT_OK) {
            return rc;
        }
        *(akt_bytes *)vp = nv.b;
        break;
    case AKT_KIND_MESSAGE: {
        const akt_type *mt = f->msg_type;
        if (mt == NULL) {
            return AKT_EINVAL;
        }
        if (v->v.msg != NULL) {
            nv.msg = akt_arena_alloc(arena, mt->size, mt->align);
            if (nv.msg == NULL) {
                return AKT_ENOMEM;
            }
            if ((rc = akt_type_copy(mt, nv.msg, v->v.msg, arena)) != AKT_OK) {
                return rc;
            }
        }
        *(void **)vp = nv.msg;
        break;
    }
    case AKT_KIND_LIST:
        if ((rc = check_items(f->elem_kind, v->v.list.items, v->v.list.len,
                 akt_field_elem_size(f)))
                != AKT_OK
            || (rc = akti_copy_items(arena, f->elem_kind, f->msg_type,
                    v->v.list.items, v->v.list.len, akt_field_elem_size(f),
                    akti_kind_align(f->elem_kind, f->msg_type), &nv.l.items))
                != AKT_OK) {
            return rc;
        }
        nv.l.len = v->v.list.len;
        *(akt_list *)vp = nv.l;
        break;
    case AKT_KIND_MAP: {
        size_t ks = akti_kind_size(f->key_kind, NULL);
        if ((rc = check_items(f->key_kind, v->v.map.keys, v->v.map.len, ks))
                != AKT_OK
            || (rc = check_items(f->elem_kind, v->v.map.values, v->v.map.len,
                    akt_field_elem_size(f)))
                != AKT_OK
            || (rc = akti_copy_items(arena, f->key_kind, NULL, v->v.map.keys,
                    v->v.map.len, ks, akti_kind_align(f->key_kind, NULL),
                    &nv.m.keys))
                != AKT_OK
            || (rc = akti_copy_items(arena, f->elem_kind, f->msg_type,
                    v->v.map.values, v->v.map.len, akt_field_elem_size(f),
                    akti_kind_align(f->elem_kind, f->msg_type), &nv.m.values))
                != AKT_OK) {
            return rc;
        }
        nv.m.len = v->v.map.len;
        *(akt_map *)vp = nv.m;
        break;
    }
    default:
        return AKT_EINVAL;
    }
    if (akti_has_offset(f) != AKT_NO_OFFSET) {
        *(bool *)(base + f->has_offset) = true;
    }
    return AKT_OK;
}

void
akt_field_clear(const akt_type *t, const akt_field *f, void *obj)
{
    if (t == NULL || f == NULL || obj == NULL) {
        return;
    }
    char *base = obj;
    size_t size;
    akt_kind_member_layout(f->kind, &size, NULL);
    if (f->flags & AKT_FIELD_OPTIONAL) {
        memset(base + f->offset, 0, size);
        if (akti_has_offset(f) != AKT_NO_OFFSET) {
            *(bool *)(base + f->has_offset) = false;
        }
        return;
    }
    /* The default of one field: its bytes in the type's default value
     * (default strings are static, so a shallow copy is the value). */
    void *tmp;
    const char *d = akti_type_default(t, &tmp);
    if (d != NULL) {
        memcpy(base + f->offset, d + f->offset, size);
    } else {
        memset(base + f->offset, 0, size);
    }
    free(tmp);
}

akt_err
akt_msg_get(const void *msg, const char *name, akt_value *out)
{
    const akt_field *f = akt_type_field_by_name(akt_msg_type(msg), name);
    if (f == NULL) {
        return AKT_EINVAL;
    }
    return akt_field_get(f, msg, out);
}

akt_err
akt_msg_set(void *msg, const char *name, const akt_value *v)
{
    const akt_field *f = akt_type_field_by_name(akt_msg_type(msg), name);
    if (f == NULL) {
        return AKT_EINVAL;
    }
    return akt_field_set(f, msg, v, akt_msg_arena(msg));
}
