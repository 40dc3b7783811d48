"""Exact squared Euclidean distance from every pixel to the nearest pixel of the other class.

Separable algorithm of Felzenszwalb and Huttenlocher (2012): sweeps along the first axis give
the distance to the nearest site on each line, then the lower envelope of parabolas along each
remaining axis combines them. Two fields are built at once (sites = foreground, sites =
background); each pixel keeps the one for the class it is not in. As everywhere in toposeg, the
outside of the array counts as background: every line gets a background site just beyond each
end. Only the distances of the candidates (the pixels where two masks differ) are needed, and
those are usually small: after the first sweep, each is finished by a local search that stops
as soon as the offset alone exceeds the best value found; the full envelopes run only when the
searches would cost more. Sweeps run over whole planes and envelopes over contiguous rows, so
memory is read in order.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel

#: Stands for "no site on this line"; larger than any squared distance in an array whose
#: squared side lengths sum to less than 2**30 (the public functions check this).
FAR = np.int32(1 << 30)


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
            to_fg[i, j] = min(to_fg[i, j], to_fg[i + 1, j] + 1)
            to_bg[i, j] = min(to_bg[i, j], to_bg[i + 1, j] + 1)
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
    plane = np.empty((width, height), dtype=field.dtype)
    for z in range(depth):
        for y in range(height):
            for x in range(width):
                plane[x, y] = field[z, y, x]
        _envelope_rows(plane, framed)
        for y in range(height):
            for x in range(width):
                field[z, y, x] = plane[x, y]


@kernel
def _row_search(rows_source, rows_fg, rows_bg, indices, distances, budget):
    """Finish the distance of each candidate (flat index into the (R, W) rows) from the
    distances along the first axis, searching its row outward until the squared offset alone
    reaches the best value found. Returns ``False`` if that took more than ``budget`` steps."""
    width = rows_source.shape[1]
    r = 0
    for j in range(indices.shape[0]):  # indices increase: follow the row instead of dividing
        while indices[j] >= (r + 1) * width:
            r += 1
        x = indices[j] - r * width
        foreground = rows_source[r, x]
        row = rows_bg[r] if foreground else rows_fg[r]
        best = np.int64(row[x])
        if foreground:
            best = min(best, (x + 1) ** 2, (width - x) ** 2)
        offset = 1
        while offset * offset < best:
            if x - offset >= 0:
                best = min(best, row[x - offset] + offset * offset)
            if x + offset < width:
                best = min(best, row[x + offset] + offset * offset)
            if x - offset < 0 and x + offset >= width:
                break
            offset += 1
            budget -= 1
            if budget < 0:
                return False
        distances[j] = best
    return True


@kernel
def _plane_search(source, to_fg, to_bg, indices, distances, budget, stride):
    """As :func:`_row_search` for a (Z, Y, X) volume with distances along Z: search the
    candidate's Z plane in square rings of growing radius r until r^2 alone reaches the best
    value found. Only every ``stride``-th candidate is done. Returns the number of pixels read,
    or -1 if that exceeded ``budget``."""
    height, width = source.shape[1], source.shape[2]
    reads = 0
    for j in range(0, indices.shape[0], stride):
        z, rest = divmod(indices[j], height * width)
        y, x = divmod(rest, width)
        foreground = source[z, y, x]
        plane = to_bg[z] if foreground else to_fg[z]
        best = np.int64(plane[y, x])
        if foreground:
            best = min(best, (y + 1) ** 2, (height - y) ** 2, (x + 1) ** 2, (width - x) ** 2)
        reach = max(y, height - 1 - y, x, width - 1 - x)
        radius = 1
        while radius * radius < best and radius <= reach:
            for dy in range(-radius, radius + 1):
                yy = y + dy
                if yy < 0 or yy >= height:
                    continue
                # the whole row of the ring at the top and bottom, its two ends elsewhere
                step = 1 if dy == -radius or dy == radius else 2 * radius
                for dx in range(-radius, radius + 1, step):
                    xx = x + dx
                    if 0 <= xx < width:
                        best = min(best, plane[yy, xx] + dy * dy + dx * dx)
            reads += 8 * radius
            if reads > budget:
                return -1
            radius += 1
        distances[j] = best
    return reads


@kernel
def ordered_candidates(source, target, volume):
    """The pixels where two (Z, Y, X) uint8 masks differ, as flat indices sorted by the squared
    Euclidean distance, in ``source``, to the nearest pixel of the other class (ties by index).

    ``source`` must hold some foreground. ``volume`` says whether the outside lies beyond
    axis Z too (a 3D volume; an image is passed with Z = 1 and ``volume`` False).
    Returns ``(indices, squared_distances)``.
    """
    depth, height, width = source.shape
    to_fg = np.empty(source.shape, dtype=np.int32)
    to_bg = np.empty(source.shape, dtype=np.int32)
    lines = (depth, height * width) if depth > 1 else (height, width)
    _sweep_first_axis(source.reshape(lines), to_fg.reshape(lines), to_bg.reshape(lines))
    flat_bg = to_bg.ravel()
    if depth == 1 and volume:  # a single slice: the outside is one step away along Z
        for i in range(flat_bg.shape[0]):
            flat_bg[i] = min(flat_bg[i], 1)
    flat_source = source.ravel()
    flat_target = target.ravel()
    count = 0
    for i in range(flat_source.shape[0]):
        count += flat_source[i] != flat_target[i]
    indices = np.empty(count + 1, dtype=np.int64)
    j = 0
    for i in range(flat_source.shape[0]):  # without a branch: half may differ at random
        indices[j] = i
        j += flat_source[i] != flat_target[i]
    indices = indices[:count]
    distances = np.empty(count, dtype=np.int64)
    # Candidates are usually near the boundary: finish their distances by a local search. If
    # the searches would grow longer than full lower-envelope passes, do those instead, one
    # axis at a time (in a volume: along Y for all pixels, then a search along the rows). A
    # search step reads a pixel or two in order; an envelope costs ~10-20 such reads a pixel.
    # In a volume the cost of the plane searches, quadratic in the distance, is first
    # estimated on every 16th candidate.
    size = flat_source.shape[0]
    rows = (depth * height, width)
    if depth > 1:
        sample = _plane_search(source, to_fg, to_bg, indices, distances, size, 16)
        if 0 <= sample <= size and _plane_search(source, to_fg, to_bg, indices, distances, 24 * size, 1) >= 0:
            return _sort_by_distance(indices, distances)
    if depth > 1:
        _envelope_middle(to_fg, False)
        _envelope_middle(to_bg, True)
    if not _row_search(
        source.reshape(rows), to_fg.reshape(rows), to_bg.reshape(rows), indices, distances, 8 * size
    ):
        _envelope_rows(to_fg.reshape(rows), False)
        _envelope_rows(to_bg.reshape(rows), True)
        flat_fg = to_fg.ravel()
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
