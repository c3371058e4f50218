from pathlib import Path

import pytest

from winnow.errors import PolicyError
from winnow.policy import CategoryRule, default_policy, load_policy, parse_policy
from winnow.taxonomy import CATEGORY_KEYS


def test_default_policy_covers_every_category() -> None:
    policy = default_policy()
    assert policy.version == "default@1"
    assert set(policy.rules) == set(CATEGORY_KEYS)
    assert policy.rule("profanity").enabled is False


def test_load_none_is_default() -> None:
    assert load_policy(None) == default_policy()


def test_file_overrides_and_inherits(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'version = "strict@3"\n[categories.hate]\nreview = 0.2\nblock = 0.5\n'
        "[categories.profanity]\nenabled = true\nblock = 0.9\n"
    )
    policy = load_policy(path)
    assert policy.version == "strict@3"
    assert policy.rule("hate") == CategoryRule(True, 0.2, 0.5)
    assert policy.rule("profanity") == CategoryRule(True, None, 0.9)
    assert policy.rule("spam") == default_policy().rule("spam")


def test_unknown_category_rule_is_disabled() -> None:
    policy = parse_policy({"version": "x"}, "t")
    assert policy.rule("hate") == CategoryRule(enabled=False)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "version"),
        ({"version": "  "}, "version"),
        ({"version": "v", "extra": 1}, "unknown keys"),
        ({"version": "v", "categories": []}, "must be a table"),
        ({"version": "v", "categories": {"politics": {}}}, "unknown category"),
        ({"version": "v", "categories": {"hate": 3}}, "must be a table"),
        ({"version": "v", "categories": {"hate": {"x": 1}}}, "unknown keys"),
        ({"version": "v", "categories": {"hate": {"enabled": "yes"}}}, "true or false"),
        ({"version": "v", "categories": {"hate": {"review": 1.5}}}, "between 0 and 1"),
        ({"version": "v", "categories": {"hate": {"review": True}}}, "between 0 and 1"),
        ({"version": "v", "categories": {"hate": {"block": "high"}}}, "between 0 and 1"),
        ({"version": "v", "categories": {"hate": {"review": 0.9, "block": 0.5}}}, "above block"),
    ],
)
def test_invalid_documents(doc: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(doc, "t")


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("version = ")
    with pytest.raises(PolicyError, match="invalid TOML"):
        load_policy(bad)


def test_retention_of_review_content_is_part_of_a_policy() -> None:
    base = default_policy()
    assert base.review_content_days is None and base.review_retention_s(7) == 7 * 86400
    strict = parse_policy({"version": "s@1", "retention": {"review_content_days": 0}}, "t", base)
    assert strict.review_retention_s(7) == 0
    child = parse_policy({"version": "s@2"}, "t", strict)  # a policy over it keeps it
    assert child.review_content_days == 0
    for bad in ({"review_content_days": -1}, {"review_content_days": True}, {"days": 3}, 5):
        with pytest.raises(PolicyError, match="retention"):
            parse_policy({"version": "x@1", "retention": bad}, "t", base)
