/*
 * akt/akt.h -- the public API of libakt. Include this one header.
 *
 *   akt/err.h       error codes
 *   akt/config.h    layered HOCON configuration
 *   akt/msg.h       type descriptors, messages, arenas, codecs
 *   akt/actor.h     systems, refs, props, tell/ask, futures, supervision
 *   akt/timers.h    per-actor timers, receive timeout, scheduler, virtual time
 *   akt/stash.h     stash / unstash
 *   akt/router.h    pool and group routers
 *   akt/events.h    event stream, logging, dead letters
 *   akt/fsm.h       finite-state-machine actors
 *   akt/shutdown.h  coordinated shutdown
 *   akt/remote.h    remoting: refs to actors in other processes and hosts
 *   akt/persistence.h  journals, snapshot stores, persistent actors
 *
 * The testkit (akt/testkit.h) is a separate library, akt-testkit.
 */
#ifndef AKT_AKT_H
#define AKT_AKT_H

#include "akt/actor.h"
#include "akt/cluster.h"
#include "akt/config.h"
#include "akt/err.h"
#include "akt/events.h"
#include "akt/fsm.h"
#include "akt/msg.h"
#include "akt/persistence.h"
#include "akt/reflect.h"
#include "akt/remote.h"
#include "akt/router.h"
#include "akt/shutdown.h"
#include "akt/stash.h"
#include "akt/timers.h"

#define AKT_VERSION_MAJOR  0
#define AKT_VERSION_MINOR  1
#define AKT_VERSION_PATCH  0
#define AKT_VERSION_STRING "0.1.0"

#endif /* AKT_AKT_H */
