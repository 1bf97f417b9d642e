/*
 * types_test.c -- the type registry, stable type ids, message allocation
 * and arenas: the pieces of the generated-code contract that do not need
 * aktc (hand-written descriptors stand in for generated ones).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"

typedef struct test_Point {
    int32_t x;
    int32_t y;
    akt_str label;
} test_Point;

static void
point_init(void *obj, akt_arena *arena)
{
    (void)arena;
    ((test_Point *)obj)->y = 7; /* a non-zero default */
}

static akt_err
point_copy(void *dst, const void *src, akt_arena *arena)
{
    const test_Point *s = src;
    test_Point *d = dst;
    d->x = s->x;
    d->y = s->y;
    return akt_arena_str(arena, s->label.ptr, s->label.len, &d->label);
}

static bool
point_equal(const void *a, const void *b)
{
    const test_Point *p = a, *q = b;
    return p->x == q->x && p->y == q->y && p->label.len == q->label.len
        && (p->label.len == 0
            || memcmp(p->label.ptr, q->label.ptr, p->label.len) == 0);
}

static akt_type point_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Point",
    .size = sizeof(test_Point),
    .align = _Alignof(test_Point),
    .init = point_init,
    .copy = point_copy,
    .equal = point_equal,
};

static akt_type other_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Other",
    .size = sizeof(int),
    .align = _Alignof(int),
};

static void
setup(void)
{
    point_type.id = akt_type_id(point_type.name);
    other_type.id = akt_type_id(other_type.name);
}

START_TEST(type_id_is_fnv1a_64_of_the_qualified_name)
{
    /* Reference values of FNV-1a 64: "" and "a" are the published ones. */
    ck_assert_uint_eq(akt_type_id(""), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(akt_type_id("a"), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_ne(akt_type_id("pkg.Hello"), akt_type_id("pkg.Hellp"));
}
END_TEST

START_TEST(built_in_descriptors_obey_the_type_id_contract)
{
    /* Every descriptor libakt ships must be registrable: its id is
     * akt_type_id(name), as for generated ones, so the wire and a registry
     * can carry it. */
    const akt_type *builtin[] = { &akt_terminated_type, &akt_status_type,
        &akt_dead_letter_type, &akt_unhandled_message_type, &akt_log_event_type,
        &akt_routees_type, &akt_state_timeout_type, &akt_receive_timeout_type };
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        ck_assert_msg(builtin[i]->id == akt_type_id(builtin[i]->name),
            "%s has id %llx", builtin[i]->name,
            (unsigned long long)builtin[i]->id);
        ck_assert_uint_eq(builtin[i]->abi, AKT_GEN_ABI);
        ck_assert_int_eq(akt_registry_add(reg, builtin[i]), AKT_OK);
    }
    akt_registry_free(reg);
}
END_TEST

START_TEST(registry_finds_types_by_id_and_name)
{
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    ck_assert_int_eq(akt_registry_add(reg, &point_type), AKT_OK);
    ck_assert_int_eq(
        akt_registry_add(reg, &point_type), AKT_OK); /* idempotent */
    ck_assert_ptr_eq(akt_registry_find(reg, point_type.id), &point_type);
    ck_assert_ptr_eq(akt_registry_find_name(reg, "test.Point"), &point_type);
    ck_assert_ptr_null(akt_registry_find(reg, other_type.id));
    ck_assert_ptr_null(akt_registry_find_name(reg, "test.Nope"));
    ck_assert_uint_eq(akt_registry_count(reg), 1);
    akt_registry_free(reg);
}
END_TEST

START_TEST(registry_rejects_descriptors_with_a_wrong_id_or_abi)
{
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_type bad = point_type;
    bad.id ^= 1;
    ck_assert_int_eq(akt_registry_add(reg, &bad), AKT_EINVAL);
    bad = point_type;
    bad.abi = AKT_GEN_ABI + 1;
    ck_assert_int_eq(akt_registry_add(reg, &bad), AKT_EINVAL);
    ck_assert_int_eq(akt_registry_add(reg, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_registry_add(NULL, &point_type), AKT_EINVAL);
    ck_assert_uint_eq(akt_registry_count(reg), 0);
    akt_registry_free(reg);
}
END_TEST

START_TEST(registry_grows_past_its_initial_capacity)
{
    enum { N = 1000 };
    static akt_type types[N];
    static char names[N][32];
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "grow.T%d", i);
        types[i] = other_type;
        types[i].name = names[i];
        types[i].id = akt_type_id(names[i]);
        ck_assert_int_eq(akt_registry_add(reg, &types[i]), AKT_OK);
    }
    ck_assert_uint_eq(akt_registry_count(reg), N);
    for (int i = 0; i < N; i++) {
        ck_assert_ptr_eq(akt_registry_find(reg, types[i].id), &types[i]);
    }
    akt_registry_free(reg);
}
END_TEST

START_TEST(new_message_has_defaults_and_knows_its_type)
{
    test_Point *p = akt_msg_new(&point_type, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->x, 0);
    ck_assert_int_eq(p->y, 7);
    ck_assert_ptr_eq(akt_msg_type(p), &point_type);
    akt_msg_free(p);
}
END_TEST

START_TEST(message_of_a_foreign_abi_is_refused)
{
    akt_type bad = point_type;
    bad.abi = 999;
    ck_assert_ptr_null(akt_msg_new(&bad, 0));
    ck_assert_ptr_null(akt_msg_new(NULL, 0));
}
END_TEST

START_TEST(arena_holds_strings_beyond_its_inline_space)
{
    test_Point *p = akt_msg_new(&point_type, 8);
    char big[4096];
    memset(big, 'z', sizeof big);
    ck_assert_int_eq(
        akt_arena_str(akt_msg_arena(p), big, sizeof big, &p->label), AKT_OK);
    ck_assert_uint_eq(p->label.len, sizeof big);
    ck_assert_int_eq(p->label.ptr[sizeof big], '\0');
    ck_assert_int_eq(p->label.ptr[100], 'z');
    akt_msg_free(p); /* ASan proves the overflow block is freed */
}
END_TEST

START_TEST(dup_is_deep_and_equal_and_independent)
{
    test_Point *p = akt_msg_new(&point_type, 32);
    p->x = 3;
    ck_assert_int_eq(
        akt_arena_str(akt_msg_arena(p), "hello", 5, &p->label), AKT_OK);
    test_Point *q = akt_msg_dup(p);
    ck_assert_ptr_nonnull(q);
    ck_assert(akt_msg_equal(p, q));
    ck_assert_ptr_ne(q->label.ptr, p->label.ptr);
    q->x = 4;
    ck_assert(!akt_msg_equal(p, q));
    akt_msg_free(p);
    ck_assert_str_eq(q->label.ptr, "hello"); /* survives its source */
    akt_msg_free(q);
}
END_TEST

START_TEST(retain_keeps_a_message_alive_until_the_last_free)
{
    test_Point *p = akt_msg_new(&point_type, 0);
    ck_assert_ptr_eq(akt_msg_retain(p), p);
    akt_msg_free(p);
    p->x = 42; /* still ours: ASan would flag a use after free */
    ck_assert_int_eq(p->x, 42);
    akt_msg_free(p);
    akt_msg_free(NULL); /* ignored */
}
END_TEST

START_TEST(arena_rejects_bad_alignment_and_null_input)
{
    test_Point *p = akt_msg_new(&point_type, 64);
    akt_arena *a = akt_msg_arena(p);
    ck_assert_ptr_null(akt_arena_alloc(a, 8, 3));
    ck_assert_ptr_null(akt_arena_alloc(NULL, 8, 8));
    void *x = akt_arena_alloc(a, 24, 16);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq((uintptr_t)x % 16, 0);
    akt_str s;
    ck_assert_int_eq(akt_arena_str(a, NULL, 3, &s), AKT_EINVAL);
    akt_msg_free(p);
}
END_TEST

START_TEST(error_codes_have_names_and_text)
{
    ck_assert_str_eq(akt_err_name(AKT_OK), "OK");
    ck_assert_str_eq(akt_err_name(AKT_ETIMEDOUT), "ETIMEDOUT");
    ck_assert_str_eq(akt_strerror(AKT_ETIMEDOUT), "timed out");
    ck_assert_str_eq(akt_err_name((akt_err)9999), "EUNKNOWN");
    ck_assert_str_eq(akt_strerror((akt_err)9999), "unknown error");
}
END_TEST

static Suite *
types_suite(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, type_id_is_fnv1a_64_of_the_qualified_name);
    tcase_add_test(tc, built_in_descriptors_obey_the_type_id_contract);
    tcase_add_test(tc, registry_finds_types_by_id_and_name);
    tcase_add_test(tc, registry_rejects_descriptors_with_a_wrong_id_or_abi);
    tcase_add_test(tc, registry_grows_past_its_initial_capacity);
    tcase_add_test(tc, new_message_has_defaults_and_knows_its_type);
    tcase_add_test(tc, message_of_a_foreign_abi_is_refused);
    tcase_add_test(tc, arena_holds_strings_beyond_its_inline_space);
    tcase_add_test(tc, dup_is_deep_and_equal_and_independent);
    tcase_add_test(tc, retain_keeps_a_message_alive_until_the_last_free);
    tcase_add_test(tc, arena_rejects_bad_alignment_and_null_input);
    tcase_add_test(tc, error_codes_have_names_and_text);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(types_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
