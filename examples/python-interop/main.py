"""The python-interop example: a Python actor and a C actor in one process,
talking through the types aktc generated from pricing.akt (pricing_akt for
Python, pricing.akt.h for C).

  Python thread --Quote--> Pricer (C) --Lookup--> Catalog (Python)
                <--Price--           <--Entry--

Run by the example's CMake test with PYTHONPATH holding the akt package,
the generated pricing_akt module and the _pricing_c extension.
"""
import asyncio
import os
import sys

# the C extension resolves its akt_* calls against the libakt inside
# akt._core: load it RTLD_GLOBAL before anything imports akt
sys.setdlopenflags(sys.getdlopenflags() | os.RTLD_GLOBAL)

import akt  # noqa: E402
from akt import ActorSystem, props  # noqa: E402

import _pricing_c  # noqa: E402
akt.register_types(*_pricing_c.types())  # C's descriptors serve pricing.*

from pricing_akt import (CatalogActor, Entry, PricerRef, Quote,  # noqa: E402
                         Price)


class Catalog(CatalogActor):
    """The Python half: unit prices in cents."""

    PRICES = {"tea": 250, "cake": 400}

    def on_lookup(self, ctx, msg):
        cents = self.PRICES.get(msg.item)
        return Entry(item=msg.item, unit_cents=cents or 0, known=cents is not None)


def main():
    system = ActorSystem.create_blocking("shop")
    catalog = system.actor_of(props(Catalog), "catalog")
    pricer = PricerRef(system.lookup(
        _pricing_c.spawn_pricer(system._core._address(), catalog.path, "pricer")))

    # a thread asks the C actor, which asks the Python actor
    price = pricer.ask_quote_blocking(Quote(item="tea", qty=3))
    print(price)
    assert price == Price(item="tea", cents=750, known=True)

    # and from asyncio, many at once
    async def many():
        items = ["cake", "tea", "scones"]
        return await asyncio.gather(*(pricer.ask_quote(Quote(item=i, qty=2)) for i in items))
    for p in asyncio.run(many()):
        print(p)
    system.terminate_blocking()
    print("python-interop: ok")


if __name__ == "__main__":
    main()
