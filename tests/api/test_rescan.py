"""`winnow rescan`: stored decisions re-evaluated after a policy, bank or model change.

Decisions are made through the service (so what it stores is what a rescan gets), then the
policy, a bank or a detector changes and the rescan must flip exactly the affected decisions,
write one alert per flipped decision, keep the old rows, and do nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from click.testing import CliRunner

from tests.api.conftest import Service
from tests.conftest import encode, shapes_image
from tests.fakes import ImageCounter
from winnow.detectors.base import Detector
from winnow.pipeline import Pipeline
from winnow.policy import default_policy, parse_policy
from winnow.rescan import SKIP_NO_RESULTS, Rescanner
from winnow.store import DecisionRecord, Store
from winnow.types import Content, DetectorResult, Item, MediaType, Signal, TextItem

pytestmark = pytest.mark.anyio

TEXTS = {"a": "calm score=0.30", "b": "edgy score=0.45", "c": "rude score=0.55",
         "d": "nasty score=0.70"}  # fmt: skip
# default policy: harassment review at 0.6, so only d is flagged; the new policy reviews at 0.4.
LOWER = parse_policy(
    {"version": "lower@2", "categories": {"harassment": {"review": 0.4, "block": 0.95}}},
    "test",
    base=default_policy(),
)


class ScoreDetector(Detector):
    """Scores ``harassment`` with the number after ``score=`` in the text (plus ``bump``)."""

    name: ClassVar[str] = "test.score"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = ("harassment",)

    def __init__(self, bump: float = 0.0) -> None:
        self.bump = bump
        self.seen = 0

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        out = []
        for item in items:
            assert isinstance(item, TextItem)
            self.seen += 1
            found = re.search(r"score=([0-9.]+)", item.text)
            score = min(1.0, float(found.group(1)) + self.bump) if found else 0.0
            out.append(self.result([Signal("harassment", score)], language="en"))
        return out


def current(store: Store, tenant: str | None = "acme") -> dict[str, DecisionRecord]:
    return {r.content_id or "": r for r in store.current_decisions(tenant)}


async def moderate_texts(service: Service, tenant: str = "acme") -> dict[str, str]:
    client = service.client(f"{tenant}/moderate")
    return {cid: (await client.moderate_text(t, id=cid))["decision_id"] for cid, t in TEXTS.items()}


@pytest.fixture
def text_service(make_service: Callable[..., Service]) -> Service:
    return make_service(Pipeline([ScoreDetector()], default_policy()))


async def test_decisions_keep_per_detector_results_without_snippets(text_service: Service) -> None:
    ids = await moderate_texts(text_service)
    record = text_service.store.get_decision("acme", ids["c"])
    assert record is not None and record.results is not None
    assert record.results == [
        {"detector": "test.score", "version": "1", "info": {"language": "en"},
         "signals": [{"category": "harassment", "score": 0.55, "action": None, "evidence": []}]},
    ]  # fmt: skip
    assert record.hashes is None  # text: the sha256 is all


async def test_policy_change_dry_run_counts_and_writes_nothing(text_service: Service) -> None:
    await moderate_texts(text_service)
    store = text_service.store
    hook = store.create_webhook("acme", "https://hooks.example/w", ["decision.flagged"])
    before = store.list_deliveries("acme")

    report = Rescanner(store, LOWER).run(dry_run=True)

    assert dict(report.transitions) == {
        ("allow", "allow"): 1, ("allow", "review"): 2, ("review", "review"): 1,
    }  # fmt: skip
    assert sorted(c.content_id or "" for c in report.changes) == ["b", "c"]
    assert report.written == report.events == 0
    assert {k: r.verdict for k, r in current(store).items()} == {
        "a": "allow", "b": "allow", "c": "allow", "d": "review",
    }  # fmt: skip
    assert store.list_deliveries("acme", hook.id) == before


async def test_rescan_flips_exactly_those_with_one_alert_each_and_is_idempotent(
    text_service: Service,
) -> None:
    ids = await moderate_texts(text_service)
    await moderate_texts(text_service, tenant="other")
    store = text_service.store
    flagged = store.create_webhook("acme", "https://hooks.example/flagged", ["decision.flagged"])
    changed = store.create_webhook("acme", "https://hooks.example/changed", ["decision.changed"])
    assert store.list_deliveries("acme") == []  # hooks came after the first decisions

    report = Rescanner(store, LOWER).run(tenant="acme", dry_run=False)

    assert report.written == 2 and report.changed == 2
    now = current(store)
    assert {k: r.verdict for k, r in now.items()} == {
        "a": "allow", "b": "review", "c": "review", "d": "review",
    }  # fmt: skip
    for key in ("b", "c"):
        assert now[key].policy_version == "lower@2" and now[key].supersedes == ids[key]
        old = store.get_decision("acme", ids[key])  # kept for audit
        assert old is not None and old.verdict == "allow" and old.superseded_by == now[key].id
        assert now[key].body["matches"][0]["threshold"] == 0.4
    assert now["a"].id == ids["a"] and now["d"].id == ids["d"]  # untouched
    # one alert per flipped decision on each hook, naming the new decision
    for hook, event in ((flagged, "decision.flagged"), (changed, "decision.changed")):
        deliveries = store.list_deliveries("acme", hook.id)
        assert sorted(d.event for d in deliveries) == [event, event]
    payloads = _payloads(store, changed.id)
    assert {p["data"]["decision_id"] for p in payloads} == {now["b"].id, now["c"].id}
    assert {p["data"]["previous"]["verdict"] for p in payloads} == {"allow"}
    # the other tenant was not touched
    assert {r.verdict for r in current(store, "other").values()} == {"allow", "review"}
    assert all(r.supersedes is None for r in current(store, "other").values())
    # the new reviews went to the review queue (without content: none was kept)
    from winnow.store import QueueFilter, review_store

    queued = review_store(store).queue(
        "acme", QueueFilter(status="open", source="rescan"), now=1e12
    )
    assert {i.decision_id for i in queued} == {now["b"].id, now["c"].id}

    again = Rescanner(store, LOWER).run(tenant="acme", dry_run=False)
    assert again.written == again.events == again.changed == 0
    assert dict(again.transitions) == {("allow", "allow"): 1, ("review", "review"): 3}
    assert len(store.list_deliveries("acme")) == 4


async def test_legacy_decisions_are_skipped_and_counted(text_service: Service) -> None:
    await moderate_texts(text_service)
    store = text_service.store
    store.save_decision(
        DecisionRecord("dec_old", "acme", "z", "ab" * 32, "text", "allow", "default@1", 1.0,
                       {"scores": {}, "matches": [], "language": None, "detectors": {}})
    )  # fmt: skip
    report = Rescanner(store, LOWER).run(dry_run=True)
    assert report.skipped == {SKIP_NO_RESULTS: 1}
    assert report.scanned == 4


async def test_bank_change_blocks_the_banked_image_by_its_stored_hashes(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    from winnow.banks import Bank, BankMatcher, SqliteBankStore
    from winnow.banks.hashing import pdq_hash
    from winnow.detectors.image_hashes import ImageHashes

    pixels = shapes_image(seed=3)
    other = shapes_image(seed=4)
    hashes = ImageHashes(data_dir=tmp_path)
    service = make_service(Pipeline([hashes, ImageCounter()], default_policy()))
    client = service.client()
    banked = (await client.moderate_image(encode(pixels), id="banked"))["decision_id"]
    kept = (await client.moderate_image(encode(other), id="other"))["decision_id"]
    store = service.store
    record = store.get_decision("acme", banked)
    assert record is not None and record.verdict == "allow" and record.hashes is not None
    assert len(record.hashes["pdq"]) == 8 and len(record.hashes["md5"]) == 32

    # The bank holds the PDQ of a mirrored copy: only the stored "mirrored" variant matches.
    banks = SqliteBankStore.open(tmp_path)
    banks.create_bank(Bank("known-bad", "violence/graphic", "block"))
    banks.add_entries("known-bad", [("pdq", pdq_hash(np.ascontiguousarray(pixels[:, ::-1])).hex,
                                     "case-7")])  # fmt: skip
    banks.close()
    store.create_webhook("acme", "https://hooks.example/w", ["decision.flagged"])

    matcher = BankMatcher.open(tmp_path)
    report = Rescanner(store, default_policy(), matcher=matcher).run(dry_run=False)

    assert dict(report.transitions) == {("allow", "block"): 1, ("allow", "allow"): 1}
    now = current(store)
    assert now["banked"].verdict == "block" and now["other"].id == kept
    match = now["banked"].body["matches"][0]
    assert match["detector"] == "image.hashes" and match["category"] == "violence/graphic"
    assert "bank known-bad" in match["evidence"][0]["detail"]
    assert "mirrored" in match["evidence"][0]["detail"]
    assert [d.event for d in store.list_deliveries("acme")] == ["decision.flagged"]
    again = Rescanner(store, default_policy(), matcher=matcher).run(dry_run=False)
    assert again.changed == 0 and len(store.list_deliveries("acme")) == 1


async def test_a_changed_detector_reruns_alone_where_content_is_given(
    text_service: Service,
) -> None:
    await moderate_texts(text_service)
    store = text_service.store
    newer = ScoreDetector(bump=0.1)  # the retrained model scores everything 0.1 higher
    rerun = Pipeline([newer], default_policy())
    contents = {cid: Content(cid, text=TEXTS[cid]) for cid in ("a", "c")}  # b and d: not given
    contents["a"] = Content("a", text="not the same text score=0.9")

    report = Rescanner(store, default_policy(), rerun=rerun, contents=contents).run(dry_run=True)

    assert newer.seen == 2
    assert dict(report.transitions) == {("allow", "review"): 1}  # c: 0.55 + 0.1 >= 0.6
    assert report.skipped == {
        "no content given to re-run test.score": 2,
        "the content given is not the decided content (sha256 differs)": 1,
    }


async def test_cli_dry_run_prints_counts_per_verdict_change(
    text_service: Service, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from winnow.cli.main import _register, cli

    await moderate_texts(text_service)
    policy = tmp_path / "lower.toml"
    policy.write_text('version = "lower@2"\n[categories.harassment]\nreview = 0.4\n')
    monkeypatch.setenv("WINNOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WINNOW_DATABASE_URL", database_url)
    _register()
    runner = CliRunner()

    out = runner.invoke(cli, ["rescan", "--dry-run", "--policy", str(policy), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["dry_run"] is True and doc["changed"] == 2 and doc["written"] == 0
    assert {(t["old"], t["new"]): t["count"] for t in doc["transitions"]} == {
        ("allow", "allow"): 1, ("allow", "review"): 2, ("review", "review"): 1,
    }  # fmt: skip

    table = runner.invoke(cli, ["rescan", "--dry-run", "--policy", str(policy)])
    assert table.exit_code == 0, table.output
    assert re.search(r"allow → review\s+2", table.stdout)
    assert {r.verdict for r in current(text_service.store).values()} == {"allow", "review"}

    real = runner.invoke(cli, ["rescan", "--policy", str(policy), "--tenant", "acme", "--json"])
    assert json.loads(real.stdout)["written"] == 2
    assert "--input" in runner.invoke(cli, ["rescan", "--detector", "text.rules"]).output


def _payloads(store: Store, webhook_id: str) -> list[dict[str, object]]:
    import sqlalchemy as sa

    from winnow.store.schema import deliveries
    from winnow.store.sql import SqlStore

    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.payload).where(deliveries.c.webhook_id == webhook_id)
        ).scalars()
        return [json.loads(r) for r in rows]


def test_stored_results_round_trip_to_the_same_decision() -> None:
    from winnow.policy import evaluate
    from winnow.serialize import decision_to_json, result_from_json, result_to_json
    from winnow.types import ContentRef, Evidence, Locator, Verdict

    results = [
        DetectorResult("a", "1", (Signal("hate", 0.72, (Evidence(Locator.chars(3, 9), "secret",
                       "kw"),)),), {"language": "de"}),
        DetectorResult("b", "2", (Signal("violence", 0.4, (Evidence(Locator("box", box=(1, 2, 3,
                       4)), None, "ocr box=1,2,3,4"), Evidence(Locator("time", 1.5, 2.0)))),)),
        DetectorResult("image.hashes", "2", (Signal("sexual", 1.0, (Evidence(Locator.whole(),
                       None, "bank x entry 1: exact sha256"),), Verdict.BLOCK),)),
    ]  # fmt: skip
    stored = [result_to_json(r) for r in results]
    assert "secret" not in json.dumps(stored)  # snippets are never stored
    back = [result_from_json(json.loads(json.dumps(d))) for d in stored]
    ref = ContentRef("ab" * 32, MediaType.IMAGE, "image/png", 10)
    before = decision_to_json(evaluate(ref, results, LOWER))
    after = decision_to_json(evaluate(ref, back, LOWER))
    for m in before["matches"]:
        m["evidence"] = [{**e, "snippet": None} for e in m["evidence"]]
    assert after == before and after["verdict"] == "block" and after["language"] == "de"


async def test_a_decision_a_person_resolved_is_left_alone(text_service: Service) -> None:
    from winnow.rescan import SKIP_HUMAN
    from winnow.store import Resolution, review_store

    ids = await moderate_texts(text_service)
    store = text_service.store
    reviews = review_store(store)
    assert reviews.get_item("acme", ids["d"]) is not None  # d went to review
    reviews.resolve("acme", ids["d"], "rev_a", Resolution("allow", None, "satire"), 1.0)
    stricter = parse_policy(
        {"version": "strict@3", "categories": {"harassment": {"review": 0.4, "block": 0.65}}},
        "test",
        base=default_policy(),
    )

    report = Rescanner(store, stricter).run(tenant="acme", dry_run=False)

    assert report.skipped == {SKIP_HUMAN: 1}
    assert sorted(c.content_id or "" for c in report.changes) == ["b", "c"]  # d is not among them
    assert current(store)["d"].id == ids["d"]


async def test_each_tenant_is_rescanned_under_its_policy_in_force(text_service: Service) -> None:
    """acme put a policy version in force over HTTP: its decisions are re-evaluated under it;
    globex's under the service's policy."""
    from winnow.store import config_store
    from winnow.tenancy import policies_of

    await moderate_texts(text_service, "acme")
    await moderate_texts(text_service, "globex")
    store = text_service.store
    doc = {"version": "acme-strict", "categories": {"harassment": {"review": 0.5}}}
    config_store(store).create_policy("acme", "acme-strict", doc, activate=True)
    policy_for = policies_of(config_store(store), default_policy())

    report = Rescanner(store, default_policy(), policy_for=policy_for).run(dry_run=False)

    assert [(c.tenant, c.content_id, c.new) for c in report.changes] == [("acme", "c", "review")]
    (changed,) = [r for r in current(store, "acme").values() if r.content_id == "c"]
    assert changed.policy_version == "acme-strict"
    assert {r.verdict for r in current(store, "globex").values()} == {"allow", "review"}
