import pytest

from winnow.detectors.registry import BUILTIN_DETECTORS, DetectorRegistry, default_registry
from winnow.errors import ConfigError, DetectorError
from winnow.settings import DEFAULT_DETECTORS, Settings


def test_builtins_registered_and_defaults_exist() -> None:
    registry = default_registry()
    assert set(BUILTIN_DETECTORS) <= set(registry.names())
    assert set(DEFAULT_DETECTORS) <= set(registry.names())
    for name in BUILTIN_DETECTORS:
        assert registry.get(name).name == name


def test_duplicates_and_bad_names_refused() -> None:
    registry = DetectorRegistry()
    registry.register("text.rules", "winnow.detectors.text_rules:ContactSpamRules")
    with pytest.raises(ConfigError, match="already registered"):
        registry.register("text.rules", "x:y", origin="someplugin")
    with pytest.raises(ConfigError, match="must look like"):
        registry.register("Rules", "x:y")


def test_unknown_and_broken_targets() -> None:
    registry = DetectorRegistry()
    with pytest.raises(ConfigError, match="unknown detector"):
        registry.get("text.nope")
    registry.register("text.broken", "winnow.nope:Nothing")
    with pytest.raises(DetectorError, match="cannot load"):
        registry.get("text.broken")
    registry.register("text.wrong", "winnow.detectors.text_rules:ContactSpamRules")
    with pytest.raises(DetectorError, match="is not the detector"):
        registry.get("text.wrong")


def test_build_in_order() -> None:
    dets = default_registry().build(["text.lists", "text.rules"], Settings())
    assert [d.name for d in dets] == ["text.lists", "text.rules"]
