"""Brute-force Betti matching of small images: boundary matrices reduced over Z/2.

Obviously correct and slow; the oracle of :mod:`toposeg.persistence.betti_matching`. Every cell
of the V-construction is listed with its vertices; a filtration orders cells by
``(value, top vertex, base, type)``, the total order documented in
``toposeg.persistence._matching_cells``. Persistence pairs and image pairs are the pivots of
the reduced boundary matrices (Bauer and Schmahl: the image of ``f -> c`` has its columns in
the order of ``c`` and its rows in the order of ``f``); a pair of ``f`` and a pair of ``g``
are matched when the image pair of ``f`` with the birth cell of the pair of ``f`` and the image
pair of ``g`` with the birth cell of the pair of ``g`` both die at the death cell of one pair of
``c``. As in the reference (Betti-Matching-3D), image pairs count even when their interval is
empty (birth value in ``f`` not below death value in ``c``).
"""

from __future__ import annotations

import itertools

import numpy as np


def _cells(shape: tuple[int, ...]) -> list[tuple[int, tuple[int, ...], int, list[tuple[int, ...]]]]:
    """``(dim, base, type, vertices)`` of every cell of the V-construction on ``shape``."""
    ndim = len(shape)
    out = []
    for doubled in itertools.product(*[range(2 * s - 1) for s in shape]):
        spanned = tuple(a for a in range(ndim) if doubled[a] % 2 == 1)
        base = tuple(c // 2 for c in doubled)
        k = len(spanned)
        if k == 1:
            kind = spanned[0]
        elif k == 2 and ndim == 3:
            kind = ({0, 1, 2} - set(spanned)).pop()  # the normal axis
        else:
            kind = 0
        vertices = []
        for bits in itertools.product((0, 1), repeat=k):
            v = list(base)
            for a, bit in zip(spanned, bits):
                v[a] += bit
            vertices.append(tuple(v))
        out.append((k, base, kind, vertices))
    return out


def _facets(cell, index_of):
    k, base, kind, vertices = cell
    spanned = [a for a in range(len(base)) if any(v[a] != base[a] for v in vertices)]
    facets = []
    for a in spanned:
        for shift in (0, 1):
            fvs = sorted({v for v in vertices if v[a] == base[a] + shift})
            facets.append(index_of[tuple(fvs)])
    return facets


def _key(values: np.ndarray, cell) -> tuple:
    k, base, kind, vertices = cell
    flat = [np.ravel_multi_index(v, values.shape) for v in vertices]
    top = max(zip([values[v] for v in vertices], flat))
    return (top[0], top[1], int(np.ravel_multi_index(base, values.shape)), kind)


def _pivot_pairs(columns: list[list[int]], row_position: dict[int, int]) -> dict[int, int]:
    """Pivots of the reduced matrix: column index -> row cell (columns given in order)."""
    by_position = {p: c for c, p in row_position.items()}
    pivot_column: dict[int, int] = {}
    reduced: list[int] = []
    out = {}
    for j, column in enumerate(columns):
        bits = 0
        for cell in column:
            bits ^= 1 << row_position[cell]
        while bits and (bits.bit_length() - 1) in pivot_column:
            bits ^= reduced[pivot_column[bits.bit_length() - 1]]
        reduced.append(bits)
        if bits:
            pivot_column[bits.bit_length() - 1] = j
            out[j] = by_position[bits.bit_length() - 1]
    return out


def brute_force_betti_matching(f: np.ndarray, g: np.ndarray) -> list[dict[str, set]]:
    """Betti matching of the sublevel filtrations of ``f`` and ``g`` (2D or 3D, small).

    Returns, for each dimension, a dict of sets of pixel tuples: ``"matched"`` holds
    ``(f birth, f death, g birth, g death)``, ``"unmatched_f"`` and ``"unmatched_g"`` hold
    ``(birth, death)``; pixels are flat C-order indices.
    """
    f = np.asarray(f, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    c = np.minimum(f, g)
    cells = _cells(f.shape)
    index_of = {tuple(sorted(cell[3])): i for i, cell in enumerate(cells)}
    facets = [_facets(cell, index_of) if cell[0] else [] for cell in cells]
    images = {"f": f, "g": g, "c": c}
    keys = {name: [_key(x, cell) for cell in cells] for name, x in images.items()}

    def top_pixel(name: str, i: int) -> int:
        return keys[name][i][1]

    def value(name: str, i: int) -> float:
        return keys[name][i][0]

    out = []
    for k in range(f.ndim):
        rows = [i for i, cell in enumerate(cells) if cell[0] == k]
        cols = [i for i, cell in enumerate(cells) if cell[0] == k + 1]

        def pairs(row_name: str, col_name: str) -> dict[int, int]:
            """death cell -> birth cell."""
            ordered_rows = sorted(rows, key=lambda i: keys[row_name][i])
            position = {cell: p for p, cell in enumerate(ordered_rows)}
            ordered_cols = sorted(cols, key=lambda i: keys[col_name][i])
            pivots = _pivot_pairs([facets[j] for j in ordered_cols], position)
            return {ordered_cols[j]: row for j, row in pivots.items()}

        def nonzero(name: str, table: dict[int, int]) -> dict[int, int]:
            """birth cell -> death cell of the pairs of positive persistence."""
            return {b: d for d, b in table.items() if value(name, b) != value(name, d)}

        own = {name: nonzero(name, pairs(name, name)) for name in ("f", "g")}
        comparison = nonzero("c", pairs("c", "c"))
        image = {name: pairs(name, "c") for name in ("f", "g")}
        matched = set()
        used = {"f": set(), "g": set()}
        for death in comparison.values():
            births = {name: image[name].get(death) for name in ("f", "g")}
            if all(births[name] in own[name] for name in ("f", "g")):
                row = []
                for name in ("f", "g"):
                    used[name].add(births[name])
                    row += [top_pixel(name, births[name]), top_pixel(name, own[name][births[name]])]
                matched.add(tuple(row))
        result = {"matched": matched}
        for name in ("f", "g"):
            result["unmatched_" + name] = {
                (top_pixel(name, b), top_pixel(name, d)) for b, d in own[name].items() if b not in used[name]
            }
        out.append(result)
    return out
