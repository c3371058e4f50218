"""Re-evaluate stored decisions after a policy, bank or model change (``winnow rescan``).

A stored decision keeps each detector's result (signals, scores, evidence locators; never
snippets) and the content's hashes (sha256; for images also md5 and the 8 PDQ variants), not the
content. That is enough to redo what changed and nothing else:

* a policy change: the stored results are evaluated again under the new policy, no detector runs;
* a bank change: an image's stored hashes are looked up in the current banks
  (:meth:`~winnow.banks.BankMatcher.match`) and the result replaces the stored ``image.hashes``
  one;
* a model or list change (``--detector NAME``): that one detector (with the extractors that feed
  it) runs again on the content, when the caller hands the content in again (keyed by content
  id); decisions whose content is not given are skipped and counted.

A decision whose verdict changes is superseded, not overwritten: the new decision (a new id, the
new policy version, ``supersedes`` the old one) and its outbox events are written in one
transaction, and the old row is kept for audit with ``superseded_by`` set. Rescanning only
reads decisions no rescan has superseded yet, so running it again writes and sends nothing more.
Events: ``decision.changed`` for every changed verdict, and ``decision.flagged`` when the new
verdict is ``review`` or ``block`` and more severe than the old one (what existing subscribers
of ``decision.flagged`` want to hear about). A decision that becomes ``review`` also opens a
review item, without content (none was kept). A decision a reviewer has resolved is left as it is
and counted as skipped: a rule change must not overrule a person.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from winnow.fingerprint import HASHES_DETECTOR
from winnow.policy import Policy, evaluate
from winnow.serialize import decision_to_json, result_from_json, result_to_json, stored_body
from winnow.store import DecisionRecord, Event, Store
from winnow.types import Content, ContentRef, Decision, DetectorResult, MediaType, Verdict

if TYPE_CHECKING:
    from winnow.banks.matcher import BankMatcher
    from winnow.pipeline import Pipeline
    from winnow.store.review import ReviewStore

__all__ = [
    "HASHES_DETECTOR",
    "Change",
    "RescanReport",
    "Rescanner",
    "load_contents",
]

SKIP_NO_RESULTS = "no stored detector results (decided before rescan support)"
SKIP_NO_CONTENT = "no content given to re-run {detector}"
SKIP_OTHER_CONTENT = "the content given is not the decided content (sha256 differs)"
SKIP_FAILED = "re-running {detector} failed"
SKIP_HUMAN = "a person decided it in review (their decision stands)"


def load_contents(source: Path) -> dict[str, Content]:
    """The contents of a ``winnow scan`` input (JSONL of ``{id, text|path}`` or a folder),
    by content id: what ``--detector`` re-runs on."""
    from winnow.scanning import iter_inputs

    return {item.id: item.content for item in iter_inputs(source) if item.content is not None}


@dataclass(frozen=True, slots=True)
class Change:
    """One decision whose verdict a rescan changes (``new_id``: None in a dry run)."""

    tenant: str
    decision_id: str
    content_id: str | None
    old: str
    new: str
    new_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "decision_id": self.decision_id,
            "id": self.content_id,
            "old": self.old,
            "new": self.new,
            "new_decision_id": self.new_id,
        }


@dataclass
class RescanReport:
    """Counts per old → new verdict, skipped decisions per reason, and what was written."""

    dry_run: bool
    policy_version: str
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    written: int = 0  # new decisions stored
    events: int = 0  # events queued to the outbox (each goes to every subscribed webhook)

    @property
    def scanned(self) -> int:
        return sum(self.transitions.values())

    @property
    def changed(self) -> int:
        return sum(n for (old, new), n in self.transitions.items() if old != new)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "policy_version": self.policy_version,
            "scanned": self.scanned,
            "changed": self.changed,
            "transitions": [
                {"old": old, "new": new, "count": n}
                for (old, new), n in sorted(self.transitions.items(), key=_transition_order)
            ],
            "skipped": dict(sorted(self.skipped.items())),
            "written": self.written,
            "events": self.events,
            "changes": [c.to_json() for c in self.changes],
        }


def _transition_order(item: tuple[tuple[str, str], int]) -> tuple[int, int]:
    (old, new), _ = item
    return Verdict(old).rank, Verdict(new).rank


@dataclass
class Rescanner:
    """Re-evaluates a store's current decisions under ``policy``.

    ``policy_for``: the policy of a tenant (its active version over ``policy``,
    :func:`winnow.tenancy.tenant_policy`); None: ``policy`` for every tenant.
    ``matcher``: look stored image hashes up in these banks (None: keep the stored bank results;
    a tenant's own banks, ``tenant.hashes``, are never re-matched).
    ``rerun``: a pipeline of the one changed detector (plus extractors), run on ``contents``
    (by content id). ``open_reviews``: open a review item for decisions that become ``review``.
    """

    store: Store
    policy: Policy
    policy_for: Callable[[str], Policy] | None = None
    matcher: BankMatcher | None = None
    rerun: Pipeline | None = None
    contents: Mapping[str, Content] = field(default_factory=dict)
    open_reviews: bool = True
    clock: Callable[[], float] = time.time
    page_size: int = 500
    max_changes: int = 10_000  # changes listed in the report (all are counted)

    def run(
        self, tenant: str | None = None, since: float | None = None, dry_run: bool = True
    ) -> RescanReport:
        report = RescanReport(dry_run, self.policy.version)
        reviews = self._reviews()
        for record in self._records(tenant, since, until=self.clock()):
            if reviews is not None and _resolved(reviews, record):
                report.skipped[SKIP_HUMAN] += 1
                continue
            redone = self.reevaluate(record)
            if isinstance(redone, str):
                report.skipped[redone] += 1
                continue
            decision, results = redone
            new = decision.verdict.value
            report.transitions[(record.verdict, new)] += 1
            if new == record.verdict:
                continue
            new_id: str | None = None
            if not dry_run:
                successor, events = self._successor(record, decision, results)
                if not self.store.supersede_decision(record.id, successor, events):
                    continue  # another rescan got there first: it wrote and sent this one
                new_id = successor.id
                report.written += 1
                report.events += len(events)
                if new == Verdict.REVIEW.value and self.open_reviews:
                    self._open_review(successor)
            if len(report.changes) < self.max_changes:
                report.changes.append(
                    Change(record.tenant, record.id, record.content_id, record.verdict, new, new_id)
                )
        return report

    def _records(
        self, tenant: str | None, since: float | None, until: float
    ) -> Iterator[DecisionRecord]:
        """Current decisions made before the rescan started (its own new ones come after)."""
        after: tuple[float, str] | None = None
        while True:
            page = self.store.current_decisions(tenant, since, until, after, self.page_size)
            yield from page
            if len(page) < self.page_size:
                return
            after = (page[-1].created_at, page[-1].id)

    def reevaluate(self, record: DecisionRecord) -> tuple[Decision, list[DetectorResult]] | str:
        """The decision ``record`` gets now, and the results it was evaluated from; or why it
        cannot be re-evaluated."""
        if record.results is None:
            return SKIP_NO_RESULTS
        results = [result_from_json(r) for r in record.results]
        media_type = MediaType(record.media_type)
        if self.rerun is not None and self._needs_rerun(media_type, results):
            rerun = self._rerun(record)
            if isinstance(rerun, str):
                return rerun
            names = {d.name for d in self.rerun.detectors}
            results = [r for r in results if r.detector not in names] + rerun
        if self.matcher is not None and media_type is MediaType.IMAGE and record.hashes:
            results = [*_without_bank_result(results), self._bank_result(record)]
        ref = ContentRef(record.sha256, media_type, "", 0)
        policy = self.policy_for(record.tenant) if self.policy_for is not None else self.policy
        return evaluate(ref, results, policy), results

    def _needs_rerun(self, media_type: MediaType, results: Sequence[DetectorResult]) -> bool:
        assert self.rerun is not None
        names = {d.name for d in self.rerun.detectors}
        return any(media_type in d.media_types for d in self.rerun.detectors) or any(
            r.detector in names for r in results
        )

    def _rerun(self, record: DecisionRecord) -> list[DetectorResult] | str:
        assert self.rerun is not None
        detectors = ", ".join(d.name for d in self.rerun.detectors)
        content = self.contents.get(record.content_id or "")
        if content is None:
            return SKIP_NO_CONTENT.format(detector=detectors)
        outcome = self.rerun.check(content)
        if outcome.decision is None:
            return SKIP_FAILED.format(detector=detectors)
        if outcome.decision.ref.sha256 != record.sha256:
            return SKIP_OTHER_CONTENT
        return list(outcome.results)

    def _bank_result(self, record: DecisionRecord) -> DetectorResult:
        from winnow.banks.hashing import PdqHash
        from winnow.detectors.image_hashes import ImageHashes

        assert self.matcher is not None and record.hashes is not None
        variants = [
            PdqHash(bytes.fromhex(v["hash"]), int(v["quality"]), str(v["variant"]))
            for v in record.hashes.get("pdq", ())
        ]
        matches = self.matcher.match(
            sha256=record.sha256, md5=record.hashes.get("md5"), variants=variants or None
        )
        return ImageHashes(matcher=self.matcher)._result(matches)

    def _successor(
        self, record: DecisionRecord, decision: Decision, results: Sequence[DetectorResult]
    ) -> tuple[DecisionRecord, list[Event]]:
        line = {"id": record.content_id, **decision_to_json(decision), "error": None}
        successor = DecisionRecord(
            id=f"dec_{secrets.token_hex(16)}",
            tenant=record.tenant,
            content_id=record.content_id,
            sha256=record.sha256,
            media_type=record.media_type,
            verdict=decision.verdict.value,
            policy_version=decision.policy_version,
            created_at=self.clock(),
            body=stored_body(line),
            results=[result_to_json(r) for r in results],
            hashes=record.hashes,
            supersedes=record.id,
        )
        previous = {
            "decision_id": record.id,
            "verdict": record.verdict,
            "policy_version": record.policy_version,
        }
        data = {**successor.to_json(), "supersedes": record.id}
        events = [Event("decision.changed", {**data, "previous": previous})]
        if (
            decision.verdict is not Verdict.ALLOW
            and decision.verdict.rank > Verdict(record.verdict).rank
        ):
            events.append(Event("decision.flagged", data))
        return successor, events

    def _reviews(self) -> ReviewStore | None:
        from winnow.store import review_store

        try:
            return review_store(self.store)
        except TypeError:  # a store without a review console
            return None

    def _open_review(self, record: DecisionRecord) -> None:
        from winnow.review.intake import review_item

        reviews = self._reviews()
        if reviews is None:
            return
        item, _, _ = review_item(record, Content(record.content_id or ""), "rescan", 0.0, 0)
        reviews.open_item(item, None, None)


def _resolved(reviews: ReviewStore, record: DecisionRecord) -> bool:
    """Whether a person resolved ``record`` (or a decision it supersedes) in review."""
    item = reviews.get_item(record.tenant, record.id)
    if item is None and record.supersedes:
        item = reviews.get_item(record.tenant, record.supersedes)
    return item is not None and item.outcome is not None


def _without_bank_result(results: Sequence[DetectorResult]) -> list[DetectorResult]:
    """``results`` less the image's own ``image.hashes`` result, which a bank lookup redoes.
    Results lifted from derived items (the frames of an animated image) are kept: their
    evidence sits at a frame or box, not on the whole image, and their hashes were not stored."""
    return [
        r
        for r in results
        if r.detector != HASHES_DETECTOR
        or any(e.locator.kind != "whole" for s in r.signals for e in s.evidence)
    ]
