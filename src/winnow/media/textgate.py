"""A cheap test for "this image may contain text", run before OCR (a few milliseconds).

Text is strokes: short, high-contrast edges packed densely in both directions. The image is
reduced to grey at most :data:`GATE_SIDE` px a side; a 16x16 tile is stroke-like when at least
:data:`MIN_EDGE_SHARE` of its pixels sit on a strong edge (a step of more than
:data:`EDGE_STEP` grey levels to the right or below neighbour) in both directions, and its
contrast (grey standard deviation) is at least :data:`MIN_CONTRAST`. The image passes the gate
when it has at least ``min_tiles`` such tiles. Smooth photos, skies, faces and gradients have
few; text, screenshots and memes have many. Busy textures (foliage, gravel) pass too: the gate
only saves OCR on images that surely have no text, it never decides anything.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["EDGE_STEP", "GATE_SIDE", "MIN_CONTRAST", "MIN_EDGE_SHARE", "stroke_tiles"]

GATE_SIDE = 640
EDGE_STEP = 28
MIN_EDGE_SHARE = 0.02
MIN_CONTRAST = 16.0
_TILE = 16


def stroke_tiles(pixels: npt.NDArray[np.uint8]) -> int:
    """How many 16x16 tiles of the (reduced, grey) image look like text strokes."""
    step = max(1, -(-max(pixels.shape[:2]) // GATE_SIDE))
    small = pixels[::step, ::step]
    grey = small.astype(np.int32) @ np.array([77, 150, 29], np.int32) >> 8
    h = ((grey.shape[0] - 1) // _TILE) * _TILE
    w = ((grey.shape[1] - 1) // _TILE) * _TILE
    if h <= 0 or w <= 0:
        return 0
    dx = np.abs(np.diff(grey, axis=1))[:h, :w] > EDGE_STEP
    dy = np.abs(np.diff(grey, axis=0))[:h, :w] > EDGE_STEP
    shape = (h // _TILE, _TILE, w // _TILE, _TILE)
    share_x = dx.reshape(shape).mean(axis=(1, 3))
    share_y = dy.reshape(shape).mean(axis=(1, 3))
    contrast = grey[:h, :w].reshape(shape).std(axis=(1, 3))
    tiles = (share_x >= MIN_EDGE_SHARE) & (share_y >= MIN_EDGE_SHARE) & (contrast >= MIN_CONTRAST)
    return int(tiles.sum())
