"""The compiled loop of the FDB replay: MAC learning and destination lookups, journey by journey.

``analyzer.replay`` turns bridges, ports and MACs into integer keys and
arrays (its ``_FdbState``) and runs ``_replay_fdb`` over them. The functions
are marked with ``jit`` (numba, with a pure Python fallback: see
``analyzer.captures.jit``).
"""

from __future__ import annotations

from .captures.jit import jit


@jit
def _fdb_lookup(key, fallback, time, ageing, filtering, exists, local, static, updated):
    """Return the live entry for a key, or -1, as _Bridge.lookup does (``fallback`` is the key at VLAN 0)."""
    entry = key if exists[key] else -1
    if entry < 0 and filtering and fallback >= 0 and exists[fallback] and local[fallback]:
        entry = fallback
    if entry < 0 or local[entry] or static[entry]:
        return entry
    if ageing <= 0 or time - updated[entry] > ageing:
        return -1
    return entry


@jit
def _replay_fdb(time, bridge, port, learn, lookup, learn_key, learn_fallback, lookup_key, lookup_fallback,
                cause, ageing, filtering, exists, entry_port, updated, local, static, entry_cause, created,
                learned, found, found_port, found_updated, found_local, found_cause, event_step,
                event_previous):
    """Learn source MACs and look up destinations journey by journey; return the number of FDB events.

    An event is a source MAC learned on a port that no live entry had it on,
    as _learn records it: ``event_step`` names the journey and
    ``event_previous`` the port of the live entry it replaced, or -1.
    """
    events = 0
    sequence = 0
    for step in range(time.shape[0]):
        b = bridge[step]
        if learn[step]:
            key = learn_key[step]
            if exists[key] and (local[key] or static[key]):
                learned[step] = False
            else:
                live = _fdb_lookup(key, learn_fallback[step], time[step], ageing[b], filtering[b], exists, local,
                                   static, updated)
                live_port = entry_port[live] if live >= 0 else -1
                if not exists[key]:
                    created[key] = sequence
                    sequence += 1
                exists[key] = True
                entry_port[key] = port[step]
                updated[key] = time[step]
                local[key] = False
                static[key] = False
                entry_cause[key] = cause[step]
                learned[step] = True
                if not (live >= 0 and live_port == port[step]):
                    event_step[events] = step
                    event_previous[events] = live_port
                    events += 1
        if lookup[step]:
            entry = _fdb_lookup(lookup_key[step], lookup_fallback[step], time[step], ageing[b], filtering[b],
                                exists, local, static, updated)
            found[step] = entry
            if entry >= 0:
                found_port[step] = entry_port[entry]
                found_updated[step] = updated[entry]
                found_local[step] = local[entry]
                found_cause[step] = entry_cause[entry]
    return events
