/* Build an Order from two generated packages, round-trip it, print it. */
#include <stdio.h>

#include "orders.akt.h"

int
main(void)
{
    shop_orders_Order *o = shop_orders_order_new(7);
    akt_arena *a = akt_msg_arena(o);
    o->items.len = 1;
    o->items.items = akt_arena_alloc(a, sizeof(shop_Item), _Alignof(shop_Item));
    o->items.items[0] = shop_item_default;
    akt_arena_str(a, "apple", 5, &o->items.items[0].sku);
    o->items.items[0].count = 3;
    akt_buf b;
    akt_buf_init(&b);
    shop_orders_Order *back = NULL;
    if (akt_msg_encode(o, &b) != AKT_OK
        || shop_orders_order_decode(b.data, b.len, NULL, &back) != AKT_OK
        || !akt_msg_equal(o, back)) {
        return 1;
    }
    printf("order %llu: %u x %s\n", (unsigned long long)back->id,
        back->items.items[0].count, back->items.items[0].sku.ptr);
    akt_buf_free(&b);
    akt_msg_free(back);
    akt_msg_free(o);
    return 0;
}
