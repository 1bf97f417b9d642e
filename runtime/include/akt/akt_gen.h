/*
 * akt/akt_gen.h -- the ABI that only aktc-generated code uses.
 *
 * Generated headers include this file and check
 *     #if AKT_GEN_ABI != <the ABI they were generated for>
 *     #error "..."
 * so a libakt/aktc mismatch fails at compile time, not at run time.
 *
 * The msgpack primitives that generated encoders/decoders call are declared
 * below (implemented in runtime/src/codec/).
 */
#ifndef AKT_AKT_GEN_H
#define AKT_AKT_GEN_H

#include "akt/akt.h"

#endif /* AKT_AKT_GEN_H */
