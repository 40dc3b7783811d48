"""S1: the 1-stable manifolds of the critical edges, as paths in the spanning forest.

At a threshold ``eps`` the forest holds the joins and the merges of persistence below ``eps``;
each tree is rooted at its maximum. A critical edge (a merge or a loop-closing edge of
persistence ``>= eps``, and ``> 0``) contributes itself and the two forest paths from its ends
to their roots. S1(eps) is thus the set of pixels on the way up from the ends of the critical
edges: closed under "parent of".

:func:`sweep_branches` computes every threshold at once by lowering ``eps`` through the
persistence values. A merge becoming critical cuts its tree in two: the younger part is re-rooted
at its own maximum ``r`` by reversing the path from ``r`` down to the merge edge, which joins
S1. Each event adds only the pixels not yet in S1, found by walking up until S1 is reached:
these form its branches.
"""

from __future__ import annotations

from toposeg._numba import kernel, leaf_kernel


@leaf_kernel
def _walk_up(x, parent, marked):
    while not marked[x]:
        marked[x] = True
        up = parent[x]
        if up == x:
            return
        x = up


@kernel
def mark_skeleton(eps, offsets, parent, merge_q, merge_k, merge_pers, loop_q, loop_k, loop_pers,
                  marked):
    """Mark S1(eps) in ``marked`` (zero on entry), ``parent`` being the forest at ``eps``."""
    for m in range(merge_q.shape[0]):
        if merge_pers[m] > 0 and merge_pers[m] >= eps:
            _walk_up(merge_q[m], parent, marked)
            _walk_up(merge_q[m] + offsets[merge_k[m]], parent, marked)
    for m in range(loop_q.shape[0]):
        if loop_pers[m] > 0 and loop_pers[m] >= eps:
            _walk_up(loop_q[m], parent, marked)
            _walk_up(loop_q[m] + offsets[loop_k[m]], parent, marked)


@leaf_kernel
def _arm(start, branch, parent, owner, pixels, n_pixels):
    """Claim the pixels from ``start`` up to S1 or a root for ``branch``.

    Returns ``(n_pixels, end)``: the new pixel count and the S1 pixel reached (-1 at a root).
    """
    x = start
    while owner[x] == -1:
        owner[x] = branch
        pixels[n_pixels] = x
        n_pixels += 1
        up = parent[x]
        if up == x:
            return n_pixels, -1
        x = up
    return n_pixels, x


@kernel
def sweep_branches(event_a, event_b, event_cut, parent, owner, path, pixels, branch_start,
                   branch_event, branch_side, branch_from, branch_to):
    """Lower ``eps`` through the events, in order, recording the branches each one adds.

    Parameters
    ----------
    event_a, event_b : (E,) int64
        The ends of each critical edge. For a merge, ``event_a`` is in the dying component.
    event_cut : (E,) int64
        For a merge, its dying maximum (its tree is cut off and re-rooted there); -1 for a loop.
    parent : (n_padded,) int64
        The whole spanning tree rooted at the global maximum; updated as trees are cut.
    owner : (n_padded,) int64
        -1 on entry; on return the branch of each pixel of S1(0).
    path, pixels : (n,) int64
        Work array; output pixels of the branches, branch after branch.
    branch_start, branch_event, branch_side, branch_from, branch_to : (2 E + 1,) int64
        Output: where each branch starts in ``pixels`` (with a final entry), its event, the end
        of the critical edge on its side, and the pixels just before its first and after its
        last pixel (-1 after a root).

    Returns
    -------
    int
        The number of branches. Each branch is ordered upwards: from the critical edge (or
        the point where it leaves S1) towards a maximum (or the point where it reaches S1).
    """
    n_branches = 0
    n_pixels = 0
    for e in range(event_a.shape[0]):
        a = event_a[e]
        b = event_b[e]
        r = event_cut[e]
        if r >= 0:
            # the path from the dying maximum down to the merge edge, in the current tree
            length = 0
            x = r
            while True:
                path[length] = x
                length += 1
                if x == a:
                    break
                up = parent[x]
                if up == x:
                    raise RuntimeError("merge edge not below its maximum in the forest")
                x = up
            new = 0
            while new < length and owner[path[new]] == -1:
                new += 1
            if new > 0:
                branch_start[n_branches] = n_pixels
                branch_event[n_branches] = e
                branch_side[n_branches] = a
                branch_from[n_branches] = path[new] if new < length else b
                branch_to[n_branches] = -1
                for j in range(new - 1, -1, -1):
                    owner[path[j]] = n_branches
                    pixels[n_pixels] = path[j]
                    n_pixels += 1
                n_branches += 1
            parent[r] = r
            for j in range(1, length):
                parent[path[j]] = path[j - 1]
            ends = (b, a)
        else:
            ends = (a, b)
        # the arms from the ends of the critical edge upwards (only b for a merge: its a-side
        # lies on the reversed path, already in S1)
        for j in range(2):
            if r >= 0 and j == 1:
                break
            start = ends[j]
            if owner[start] != -1:
                continue
            branch_start[n_branches] = n_pixels
            n_pixels, end = _arm(start, n_branches, parent, owner, pixels, n_pixels)
            branch_event[n_branches] = e
            branch_side[n_branches] = start
            branch_from[n_branches] = ends[1 - j]
            branch_to[n_branches] = end
            n_branches += 1
    branch_start[n_branches] = n_pixels
    return n_branches
