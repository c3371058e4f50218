"""``text.rules``: contact and solicitation signals for ``advertising``, bulk markers for ``spam``.

Each kind of finding has a weight; a category's score is ``1 - prod(1 - w)`` over the distinct
kinds found, so one weak cue (a price, a link) stays low and cues that come together (a handle
plus "add me" plus "cheap") score high. Every finding is evidence with its span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from winnow.detectors.base import Detector
from winnow.detectors.scoring import noisy_or
from winnow.text.contact import Finding, find_contacts, spam_markers
from winnow.types import DetectorResult, Evidence, Item, Locator, MediaType, Signal, TextItem

__all__ = ["ADVERTISING_WEIGHTS", "ContactSpamRules"]

ADVERTISING_WEIGHTS: dict[str, float] = {
    "handle": 0.7,
    "shortener": 0.6,
    "phone": 0.55,
    "email": 0.45,
    "url": 0.35,
    "solicit": 0.45,
    "promo": 0.3,
    "price": 0.25,
}
SPAM_WEIGHTS: dict[str, float] = {
    "shortener": 0.4,
    "promo": 0.35,
    "solicit": 0.25,
    "url": 0.15,
    "phone": 0.2,
    "repetition": 0.5,
    "caps": 0.35,
    "char_run": 0.3,
    "exclamations": 0.25,
    "link_density": 0.4,
}


class ContactSpamRules(Detector):
    name: ClassVar[str] = "text.rules"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = ("advertising", "spam")
    description: ClassVar[str] = (
        "Links (also obfuscated), handles, phones, e-mails, prices and promo phrases for "
        "advertising; repetition, link density, caps bursts for spam."
    )

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        return [self._detect(item) for item in items if isinstance(item, TextItem)]

    def _detect(self, item: TextItem) -> DetectorResult:
        text = item.text
        findings = find_contacts(text)
        signals = []
        ad = noisy_or(ADVERTISING_WEIGHTS, {f.kind for f in findings})
        if ad > 0:
            evidence = tuple(_evidence(f) for f in findings if f.kind in ADVERTISING_WEIGHTS)
            signals.append(Signal("advertising", ad, evidence))
        spam_kinds = {f.kind for f in findings if f.kind in SPAM_WEIGHTS}
        markers = spam_markers(text)
        whole: list[Evidence] = []
        if markers.repeated_token_ratio >= 0.4:
            spam_kinds.add("repetition")
            whole.append(
                Evidence(Locator.whole(), None, f"repetition {markers.repeated_token_ratio:.0%}")
            )
        if markers.caps_ratio >= 0.7:
            spam_kinds.add("caps")
            whole.append(Evidence(Locator.whole(), None, f"all caps {markers.caps_ratio:.0%}"))
        if markers.max_char_run >= 8:
            spam_kinds.add("char_run")
            whole.append(
                Evidence(Locator.whole(), None, f"character run of {markers.max_char_run}")
            )
        if markers.exclamations >= 4:
            spam_kinds.add("exclamations")
        links = sum(f.kind in ("url", "shortener") for f in findings)
        if links >= 2 and links / max(markers.tokens, 1) >= 0.1:
            spam_kinds.add("link_density")
            whole.append(
                Evidence(Locator.whole(), None, f"{links} links in {markers.tokens} words")
            )
        spam = noisy_or(SPAM_WEIGHTS, spam_kinds)
        if spam > 0:
            evidence = tuple(_evidence(f) for f in findings if f.kind in SPAM_WEIGHTS) + tuple(
                whole
            )
            signals.append(Signal("spam", spam, evidence))
        return self.result(signals)


def _evidence(f: Finding) -> Evidence:
    return Evidence(Locator.chars(f.start, f.end), f.text, f.kind)
