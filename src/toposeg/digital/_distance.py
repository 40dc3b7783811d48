"""Exact squared Euclidean distance from every pixel to the nearest pixel of the other class.

Separable algorithm of Felzenszwalb and Huttenlocher (2012): sweeps along the first axis give
the distance to the nearest site on each line, then the lower envelope of parabolas along each
remaining axis combines them. Two fields are built at once (sites = foreground, sites =
background); each pixel keeps the one for the class it is not in. As everywhere in toposeg, the
outside of the array counts as background: every line gets a background site just beyond each
end. The sweeps run over whole planes and the envelopes over contiguous rows, so memory is read
in order. The last axis is finished only at the pixels asked for, by a short outward search.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel

#: Stands for "no site on this line"; larger than any squared distance in a real array.
FAR = np.int64(1) << np.int64(52)


@kernel
def _sweep_first_axis(mask, to_fg, to_bg):
    """Squared distance to the nearest foreground / background pixel along axis 0 of a
    (N, M) array (planes flattened), by a forward and a backward sweep; the background has a
    site just beyond each end."""
    n, m = mask.shape
    far = n + 1  # more than any distance along the axis
    for j in range(m):
        to_fg[0, j] = 0 if mask[0, j] else far
        to_bg[0, j] = 1 if mask[0, j] else 0
    for i in range(1, n):
        for j in range(m):
            if mask[i, j]:
                to_fg[i, j] = 0
                to_bg[i, j] = to_bg[i - 1, j] + 1
            else:
                to_bg[i, j] = 0
                to_fg[i, j] = to_fg[i - 1, j] + 1
    for j in range(m):
        to_bg[n - 1, j] = min(to_bg[n - 1, j], 1)
    for i in range(n - 2, -1, -1):
        for j in range(m):
            a = to_fg[i + 1, j] + 1
            if a < to_fg[i, j]:
                to_fg[i, j] = a
            b = to_bg[i + 1, j] + 1
            if b < to_bg[i, j]:
                to_bg[i, j] = b
    for i in range(n):
        for j in range(m):
            a = to_fg[i, j]
            to_fg[i, j] = FAR if a > n else a * a
            b = to_bg[i, j]
            to_bg[i, j] = FAR if b > n else b * b


@kernel
def _envelope(line, out, sites, top, bottom, framed):
    """``out[q] = min_p (q - p)^2 + line[p]`` over the sites ``p`` with ``line[p] < FAR``, and
    if ``framed`` over two more sites of value 0 at ``p = -1`` and ``p = n``.

    The lower envelope is kept as the sites of its parabolas and, for each, the left end of its
    interval as an exact fraction ``top / bottom`` (no division)."""
    n = line.shape[0]
    k = -1
    for q in range(n):
        fq = line[q]
        if fq >= FAR:
            continue
        hq = fq + q * q
        while k >= 0:
            p = sites[k]
            num = hq - (line[p] + p * p)
            den = 2 * (q - p)
            # the new parabola wins from num / den on; drop sites[k] if that is before its start
            if k > 0 and num * bottom[k] <= top[k] * den:
                k -= 1
            else:
                break
        k += 1
        sites[k] = q
        if k > 0:
            p = sites[k - 1]
            top[k] = hq - (line[p] + p * p)
            bottom[k] = 2 * (q - p)
    count = k + 1
    k = 0
    for q in range(n):
        if count:
            while k + 1 < count and top[k + 1] < q * bottom[k + 1]:
                k += 1
            p = sites[k]
            out[q] = (q - p) ** 2 + line[p]
        else:
            out[q] = FAR
        if framed:
            out[q] = min(out[q], (q + 1) ** 2, (n - q) ** 2)


@kernel
def _envelope_rows(field, framed):
    """Combine a (N, M) field along its rows, in place."""
    n, m = field.shape
    out = np.empty(m, dtype=np.int64)
    sites = np.empty(m, dtype=np.int64)
    top = np.empty(m, dtype=np.int64)
    bottom = np.empty(m, dtype=np.int64)
    for i in range(n):
        _envelope(field[i], out, sites, top, bottom, framed)
        field[i] = out


@kernel
def _envelope_middle(field, framed):
    """Combine a (Z, Y, X) field along Y, in place, one plane at a time."""
    depth, height, width = field.shape
    plane = np.empty((width, height), dtype=np.int64)
    for z in range(depth):
        for y in range(height):
            for x in range(width):
                plane[x, y] = field[z, y, x]
        _envelope_rows(plane, framed)
        for y in range(height):
            for x in range(width):
                field[z, y, x] = plane[x, y]


@kernel
def ordered_candidates(source, target, volume):
    """The pixels where two (Z, Y, X) uint8 masks differ, as flat indices sorted by the squared
    Euclidean distance, in ``source``, to the nearest pixel of the other class (ties by index).

    ``source`` must hold some foreground. ``volume`` says whether the outside lies beyond
    axis Z too (a 3D volume; an image is passed with Z = 1 and ``volume`` False).
    Returns ``(indices, squared_distances)``.
    """
    depth, height, width = source.shape
    to_fg = np.empty(source.shape, dtype=np.int64)
    to_bg = np.empty(source.shape, dtype=np.int64)
    if depth > 1:
        _sweep_first_axis(
            source.reshape(depth, height * width),
            to_fg.reshape(depth, height * width),
            to_bg.reshape(depth, height * width),
        )
        _envelope_middle(to_fg, False)
        _envelope_middle(to_bg, True)
    else:
        _sweep_first_axis(source[0], to_fg[0], to_bg[0])
        if volume:  # a single slice: the outside is one step away along Z
            to_bg[...] = np.minimum(to_bg, 1)
    rows_fg = to_fg.reshape(depth * height, width)
    rows_bg = to_bg.reshape(depth * height, width)
    rows_source = source.reshape(depth * height, width)
    rows_target = target.reshape(depth * height, width)
    count = 0
    for r in range(depth * height):
        for x in range(width):
            count += rows_source[r, x] != rows_target[r, x]
    indices = np.empty(count, dtype=np.int64)
    distances = np.empty(count, dtype=np.int64)
    # Finish the distance of each candidate by searching its row outward from it, until the
    # squared offset alone reaches the best value found; if the searches grow longer than a
    # full lower-envelope pass over the rows would be, do that pass instead.
    budget = 4 * source.size
    j = 0
    for r in range(depth * height):
        for x in range(width):
            if rows_source[r, x] == rows_target[r, x]:
                continue
            row = rows_bg[r] if rows_source[r, x] else rows_fg[r]
            best = min(row[x], (x + 1) ** 2, (width - x) ** 2) if rows_source[r, x] else row[x]
            offset = 1
            while offset * offset < best and budget > 0:
                if x - offset >= 0 and row[x - offset] + offset * offset < best:
                    best = row[x - offset] + offset * offset
                if x + offset < width and row[x + offset] + offset * offset < best:
                    best = row[x + offset] + offset * offset
                if x - offset < 0 and x + offset >= width:
                    break
                offset += 1
                budget -= 1
            indices[j] = r * width + x
            distances[j] = best
            j += 1
    if budget <= 0:
        _envelope_rows(rows_fg, False)
        _envelope_rows(rows_bg, True)
        flat_source = source.ravel()
        flat_fg = to_fg.ravel()
        flat_bg = to_bg.ravel()
        for j in range(count):
            i = indices[j]
            distances[j] = flat_bg[i] if flat_source[i] else flat_fg[i]
    return _sort_by_distance(indices, distances)


@kernel
def _sort_by_distance(indices, distances):
    """Sort ``indices`` (increasing) by ``distances``, stably: a counting sort when the distances
    are small, else a sort of packed (distance, index) keys."""
    count = indices.shape[0]
    if count == 0:
        return indices, distances
    largest = distances.max()
    if largest <= 4 * count + 1024:
        starts = np.zeros(largest + 2, dtype=np.int64)
        for j in range(count):
            starts[distances[j] + 1] += 1
        for d in range(1, largest + 2):
            starts[d] += starts[d - 1]
        sorted_indices = np.empty(count, dtype=np.int64)
        for j in range(count):
            d = distances[j]
            sorted_indices[starts[d]] = indices[j]
            starts[d] += 1
        sorted_distances = np.empty(count, dtype=np.int64)
        j = 0
        for d in range(largest + 1):
            while j < starts[d]:
                sorted_distances[j] = d
                j += 1
        return sorted_indices, sorted_distances
    keys = (distances << 32) | indices
    keys.sort()
    return keys & ((np.int64(1) << 32) - 1), keys >> 32
