from winnow.taxonomy import CATEGORIES, CATEGORY_KEYS, is_category

EXPECTED = {
    "sexual", "sexual/minors", "hate", "harassment", "violence", "violence/graphic",
    "extremism", "self-harm", "spam", "advertising", "profanity",
}  # fmt: skip


def test_categories_are_the_issue_taxonomy() -> None:
    assert set(CATEGORY_KEYS) == EXPECTED
    assert len(CATEGORY_KEYS) == len(set(CATEGORY_KEYS))


def test_every_category_has_a_definition_and_severity() -> None:
    for c in CATEGORIES:
        assert c.definition.endswith(".")
        assert 1 <= c.severity <= 5


def test_no_protected_attribute_or_political_category() -> None:
    forbidden = ("race", "ethnic", "religion", "nationality", "orientation", "political")
    for key in CATEGORY_KEYS:
        assert not any(word in key for word in forbidden)


def test_is_category() -> None:
    assert is_category("hate")
    assert not is_category("Hate")
    assert not is_category("politics")
