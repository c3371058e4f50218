"""The categories winnow scores, their one-line definitions and default severities.

Categories describe content, never people: there is no category for a person's ethnicity,
religion, nationality, sexual orientation or political opinion, and none may be added.
Known-content matches (hash banks) carry the category of the bank they matched.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATEGORIES", "CATEGORY_KEYS", "Category", "is_category"]


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    definition: str
    severity: int  # 1 (nuisance) .. 5 (illegal in most jurisdictions); orders display and defaults


CATEGORIES: tuple[Category, ...] = (
    Category("sexual", "Sexual content, sexual solicitation or promotion of sexual services.", 3),
    Category(
        "sexual/minors",
        "Any sexualisation of minors, grooming, or sexual content involving someone under 18.",
        5,
    ),
    Category(
        "hate",
        "Attacks, dehumanisation or calls for exclusion of people for a protected attribute.",
        4,
    ),
    Category("harassment", "Insults, bullying, intimidation or abuse aimed at an individual.", 3),
    Category("violence", "Threats of violence, incitement or glorification of violence.", 4),
    Category("violence/graphic", "Gore: graphic depictions of death, injury or mutilation.", 4),
    Category(
        "extremism",
        "Support for or recruitment to violent extremist or terrorist groups, not news about them.",
        5,
    ),
    Category(
        "self-harm",
        "Suicide or self-injury intent, encouragement or instructions; not recovery or support.",
        4,
    ),
    Category("spam", "Unsolicited bulk or deceptive messages: scams, repetition, link farms.", 1),
    Category(
        "advertising",
        "Solicitation and promotion: contact details, links, QR codes, prices, handles.",
        1,
    ),
    Category("profanity", "Swearing and vulgar language, whether or not aimed at anyone.", 1),
)

CATEGORY_KEYS: tuple[str, ...] = tuple(c.key for c in CATEGORIES)
_KEYS = frozenset(CATEGORY_KEYS)


def is_category(key: str) -> bool:
    """True when ``key`` is one of the taxonomy's category keys."""
    return key in _KEYS
