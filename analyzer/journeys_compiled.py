"""The compiled loop that splits groups of sightings seen at several capture points into journeys.

``analyzer.journeys`` calls ``_trace_groups`` for the groups whose frames
were seen at more than one point. The functions are marked
with ``jit`` (numba, with a pure Python fallback: see ``analyzer.captures.jit``)
and read only the module-level integer codes below, which numba freezes into
the compiled code.
"""

from __future__ import annotations

import numpy as np

from .captures.jit import jit
from .captures.model import DIRECTION_IN, DIRECTION_OUT

# Codes of a sighting's role in its journey (ROLE_NAMES in analyzer.journeys names them).
ROLE_UNKNOWN, ROLE_IN, ROLE_OUT = 0, 1, 2
# Codes of what decided a direction (HOW_NAMES).
HOW_NONE, HOW_FILE, HOW_TOPOLOGY, HOW_ADDRESS = 0, 1, 2, 3
# Codes of the echo_kind column (ECHO_NAMES).
ECHO_NONE, ECHO_REFLECTED, ECHO_AGGREGATE = 0, 1, 2
# Name id for a missing bridge, port or member (None in the tables).
NO_NAME = -1
# Most journeys of one frame kept open. Only a flood of identical frames within the window
# reaches it: a sighting then joins only one of the latest this many copies, which keeps the
# cost linear.
MAX_OPEN_JOURNEYS = 256


# --- The per-sighting loop for groups seen at several points. ---------------------------------
# Each group's journeys live in arrays indexed by their creation number; the
# sightings of a journey form a linked list through `next_row`. The helpers
# mirror the rules in the module docstring one to one.


@jit
def _has_point(first_row, next_row, row_point, point):
    row = first_row
    while row >= 0:
        if row_point[row] == point:
            return True
        row = next_row[row]
    return False


@jit
def _out_member(first_row, next_row, row_role, row_port, row_member, port):
    """Return the member that the journey last left ``port`` by (the aggregate's out_members entry), or -1."""
    result = NO_NAME
    row = first_row
    while row >= 0:
        if row_role[row] == ROLE_OUT and row_port[row] == port and row_member[row] != NO_NAME:
            result = row_member[row]
        row = next_row[row]
    return result


@jit
def _fits(journey, bridge, port, member, point, flag, dst, j_bridge, j_ingress, j_in_member, j_dst,
          j_first_row, next_row, row_point, row_role, row_port, row_member, sends_one_copy, local):
    """Return the sighting's role in an open journey (ROLE_IN or ROLE_OUT), or ROLE_UNKNOWN when it cannot belong."""
    if bridge != j_bridge[journey] or _has_point(j_first_row[journey], next_row, row_point, point):
        return ROLE_UNKNOWN
    if j_dst[journey] != -1 and dst != -1 and j_dst[journey] != dst:
        return ROLE_UNKNOWN
    if port == NO_NAME:  # the bridge device: frames the host sends or receives
        if j_ingress[journey] == local:
            return ROLE_UNKNOWN
        return ROLE_IN if flag != DIRECTION_OUT else ROLE_UNKNOWN
    if port == j_ingress[journey]:
        if flag == DIRECTION_OUT:
            return ROLE_UNKNOWN
        if member != NO_NAME and j_in_member[journey] != NO_NAME and j_in_member[journey] != member:
            return ROLE_UNKNOWN
        return ROLE_IN
    if flag == DIRECTION_IN:
        return ROLE_UNKNOWN
    if member != NO_NAME and sends_one_copy[port]:
        left_by = _out_member(j_first_row[journey], next_row, row_role, row_port, row_member, port)
        if left_by != NO_NAME and left_by != member:
            return ROLE_UNKNOWN
    return ROLE_OUT


@jit
def _start_role(port, flag, first_in_group, src_local, local):
    """Return (role, ingress port, what decided it) of the sighting that starts a journey."""
    if port == NO_NAME:
        role = ROLE_IN if flag == DIRECTION_IN else ROLE_OUT
        ingress = NO_NAME if role == ROLE_IN else local
        return role, ingress, HOW_FILE if flag != 0 else HOW_TOPOLOGY
    if flag == DIRECTION_OUT:
        return ROLE_OUT, NO_NAME, HOW_FILE
    if flag == DIRECTION_IN:
        return ROLE_IN, port, HOW_FILE
    if first_in_group and src_local:
        return ROLE_OUT, local, HOW_ADDRESS
    return ROLE_IN, port, HOW_TOPOLOGY


@jit
def _resolve_lone_row(flag, bridge, port, beside, src_local, dst_local, enters, ingress, local):
    """Return (role, how, ingress port) of a journey seen at one point, as _resolve_lone does for a column."""
    if flag == DIRECTION_IN:
        return ROLE_IN, HOW_FILE, ingress
    if flag == DIRECTION_OUT:
        return ROLE_OUT, HOW_FILE, ingress
    if port == NO_NAME or bridge == NO_NAME:
        return ROLE_UNKNOWN, HOW_NONE, ingress
    if beside:
        return ROLE_IN, HOW_TOPOLOGY, ingress
    if src_local:
        return ROLE_OUT, HOW_ADDRESS, local
    if dst_local:
        return ROLE_IN, HOW_ADDRESS, ingress
    if enters:
        return ROLE_IN, HOW_TOPOLOGY, ingress
    return ROLE_UNKNOWN, HOW_NONE, NO_NAME


@jit
def _trace_groups(order, starts, ends, point, flags, src, dst, times, src_local, dst_local, point_bridge,
                  point_port, point_member, lone_enters, sends_one_copy, local, window, journey_of, role_of,
                  how_of, counts, out_journey, out_bridge, out_ingress, out_in_member, out_ingress_row,
                  out_first_row, out_last_row, out_sightings, out_echo_of, out_echo_kind, out_echo_left_by):
    """Split each group's sightings into journeys, one group after another.

    Journeys are numbered from 0 in each group, in the order they start.
    ``journey_of`` gets that number, and the caller adds the group's first
    journey id. Each group's journeys go to the ``out_*`` arrays in that order.
    """
    largest = 0
    for group in range(starts.shape[0]):
        largest = max(largest, ends[group] - starts[group])
    # Journey fields, indexed by creation number within the group.
    j_bridge = np.empty(largest, np.int64)
    j_first_time = np.empty(largest, np.float64)
    j_ingress = np.empty(largest, np.int64)
    j_in_member = np.empty(largest, np.int64)
    j_dst = np.empty(largest, np.int64)
    j_source = np.empty(largest, np.int64)
    j_beside = np.empty(largest, np.bool_)
    j_first_row = np.empty(largest, np.int64)
    j_last_row = np.empty(largest, np.int64)
    j_count = np.empty(largest, np.int64)
    j_echo_of = np.empty(largest, np.int64)
    j_echo_kind = np.empty(largest, np.int64)
    j_echo_left_by = np.empty(largest, np.int64)
    open_journeys = np.empty(largest, np.int64)
    closed = np.empty(largest, np.int64)
    # Row fields, indexed by position within the group.
    next_row = np.empty(largest, np.int64)
    row_point = np.empty(largest, np.int64)
    row_role = np.empty(largest, np.int64)
    row_port = np.empty(largest, np.int64)
    row_member = np.empty(largest, np.int64)
    row_journey = np.empty(largest, np.int64)

    written = 0
    for group in range(starts.shape[0]):
        start = starts[group]
        size = ends[group] - start
        journeys = 0
        open_count = 0
        closed_count = 0
        for position in range(size):
            row = order[start + position]
            this_point = point[row]
            bridge = point_bridge[this_point]
            port = point_port[this_point]
            member = point_member[this_point]
            flag = flags[row]
            time = times[row]
            row_point[position] = this_point
            row_port[position] = port
            row_member[position] = member
            next_row[position] = -1

            still_open = 0
            for index in range(open_count):
                journey = open_journeys[index]
                if time - j_first_time[journey] <= window:
                    open_journeys[still_open] = journey
                    still_open += 1
                else:
                    closed[closed_count] = journey
                    closed_count += 1
            open_count = still_open

            role = ROLE_UNKNOWN
            chosen = -1
            for index in range(open_count):
                journey = open_journeys[index]
                role = _fits(journey, bridge, port, member, this_point, flag, dst[row], j_bridge, j_ingress,
                             j_in_member, j_dst, j_first_row, next_row, row_point, row_role, row_port,
                             row_member, sends_one_copy, local)
                if role != ROLE_UNKNOWN:
                    chosen = journey
                    break
            if chosen < 0:
                if open_count == MAX_OPEN_JOURNEYS:
                    # Close the oldest, so that a flood of one frame costs linear time, not quadratic.
                    closed[closed_count] = open_journeys[0]
                    closed_count += 1
                    open_journeys[:open_count - 1] = open_journeys[1:open_count]
                    open_count -= 1
                chosen = journeys
                journeys += 1
                first_in_group = open_count == 0 and closed_count == 0
                role, ingress, source = _start_role(port, flag, first_in_group, src_local[row], local)
                j_bridge[chosen] = bridge
                j_first_time[chosen] = time
                j_ingress[chosen] = ingress
                j_in_member[chosen] = member if role == ROLE_IN and member != NO_NAME else NO_NAME
                j_dst[chosen] = dst[row]
                j_source[chosen] = source
                j_beside[chosen] = open_count > 0
                j_first_row[chosen] = -1
                j_count[chosen] = 0
                open_journeys[open_count] = chosen
                open_count += 1

            # _add: append the sighting to the journey.
            row_role[position] = role
            row_journey[position] = chosen
            if j_first_row[chosen] < 0:
                j_first_row[chosen] = position
            else:
                next_row[j_last_row[chosen]] = position
            j_last_row[chosen] = position
            j_count[chosen] += 1
            if role == ROLE_IN and member != NO_NAME and port == j_ingress[chosen]:
                j_in_member[chosen] = member

        for index in range(open_count):
            closed[closed_count] = open_journeys[index]
            closed_count += 1
        _link_echoes(closed[:closed_count], j_first_time, j_ingress, j_in_member, j_first_row, next_row,
                     row_role, row_port, row_member, local, window, j_echo_of, j_echo_kind, j_echo_left_by)

        for journey in range(journeys):
            first = j_first_row[journey]
            first_global = order[start + first]
            if j_count[journey] == 1:
                this_point = row_point[first]
                role, how, ingress = _resolve_lone_row(
                    flags[first_global], point_bridge[this_point], row_port[first], j_beside[journey],
                    src_local[first_global], dst_local[first_global], lone_enters[this_point],
                    j_ingress[journey], local)
                row_role[first] = role
                if role == ROLE_OUT and ingress == row_port[first]:
                    ingress = NO_NAME
                if role == ROLE_IN and row_port[first] != NO_NAME:
                    ingress = row_port[first]
                    j_in_member[journey] = row_member[first]
                j_ingress[journey] = ingress
                how_of[first_global] = how
            ingress_row = -1
            ingress_member = NO_NAME
            position = first
            while position >= 0:
                row = order[start + position]
                journey_of[row] = journey
                role_of[row] = row_role[position]
                if j_count[journey] > 1:
                    if flags[row] != 0:
                        how_of[row] = HOW_FILE
                    elif j_source[journey] == HOW_ADDRESS:
                        how_of[row] = HOW_ADDRESS
                    else:
                        how_of[row] = HOW_TOPOLOGY
                if row_role[position] == ROLE_IN and row_port[position] == j_ingress[journey]:
                    # Prefer the member of a team or bond: the frame entered the host there.
                    if ingress_row < 0 or (row_member[position] != NO_NAME and ingress_member == NO_NAME):
                        ingress_row = row
                        ingress_member = row_member[position]
                position = next_row[position]
            out = written + journey
            out_journey[out] = journey
            out_bridge[out] = j_bridge[journey]
            out_ingress[out] = j_ingress[journey]
            out_in_member[out] = j_in_member[journey]
            out_ingress_row[out] = ingress_row
            out_first_row[out] = first_global
            out_last_row[out] = order[start + j_last_row[journey]]
            out_sightings[out] = j_count[journey]
            out_echo_of[out] = j_echo_of[journey]
            out_echo_kind[out] = j_echo_kind[journey]
            out_echo_left_by[out] = j_echo_left_by[journey]
        counts[group] = journeys
        written += journeys


@jit
def _link_echoes(journeys, first_time, ingress, in_member, first_row, next_row, row_role, row_port, row_member,
                 local, window, echo_of, echo_kind, echo_left_by):
    """Mark a journey that entered, within the window, by a port an earlier journey of the frame left by.

    The echo is of the latest earlier journey that left by that port. Keeping,
    per port, the last journey that left by it finds that journey in one pass.
    """
    ordered = journeys[np.argsort(first_time[journeys], kind="mergesort")]
    names = 1
    for index in range(ordered.shape[0]):
        journey = ordered[index]
        names = max(names, ingress[journey] + 1)
        row = first_row[journey]
        while row >= 0:
            names = max(names, row_port[row] + 1)
            row = next_row[row]
    last_left = np.full(names, -1, dtype=np.int64)
    for index in range(ordered.shape[0]):
        journey = ordered[index]
        echo_of[journey] = -1
        echo_kind[journey] = ECHO_NONE
        echo_left_by[journey] = NO_NAME
        port = ingress[journey]
        if port >= 0 and port != local:
            earlier = last_left[port]
            if earlier >= 0 and first_time[journey] - first_time[earlier] <= window:
                echo_of[journey] = earlier
                out_member = _out_member(first_row[earlier], next_row, row_role, row_port, row_member, port)
                same = out_member == NO_NAME or in_member[journey] == NO_NAME or out_member == in_member[journey]
                echo_kind[journey] = ECHO_REFLECTED if same else ECHO_AGGREGATE
                echo_left_by[journey] = out_member if out_member != NO_NAME else port
        row = first_row[journey]
        while row >= 0:
            if row_role[row] == ROLE_OUT and row_port[row] >= 0:
                last_left[row_port[row]] = journey
            row = next_row[row]
