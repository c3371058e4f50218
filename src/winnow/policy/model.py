"""The policy model: a version, and per category whether it is enabled and its thresholds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from winnow.errors import PolicyError
from winnow.taxonomy import CATEGORY_KEYS, is_category

__all__ = ["CategoryRule", "Policy", "default_policy", "load_policy", "parse_policy"]


@dataclass(frozen=True, slots=True)
class CategoryRule:
    enabled: bool = True
    review: float | None = None
    block: float | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    rules: dict[str, CategoryRule]
    description: str = ""
    review_content_days: float | None = None
    """Days the content of a decision sent to review is kept for reviewers (``[retention]
    review_content_days``); None: the service's ``review_retention_days`` setting; 0: none."""

    def rule(self, category: str) -> CategoryRule:
        return self.rules.get(category, CategoryRule(enabled=False))

    def review_retention_s(self, default_days: float) -> float:
        days = self.review_content_days if self.review_content_days is not None else default_days
        return days * 86400.0


def parse_policy(doc: dict[str, Any], origin: str, base: Policy | None = None) -> Policy:
    """Validate a policy document. Categories it leaves out keep ``base``'s rules."""
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        raise PolicyError(f"{origin}: a policy needs a non-empty string 'version'")
    unknown_top = set(doc) - {"version", "description", "categories", "retention"}
    if unknown_top:
        raise PolicyError(f"{origin}: unknown keys {sorted(unknown_top)}")
    categories = doc.get("categories", {})
    if not isinstance(categories, dict):
        raise PolicyError(f"{origin}: 'categories' must be a table")
    rules = dict(base.rules) if base is not None else {}
    for key, raw in categories.items():
        if not is_category(key):
            raise PolicyError(
                f"{origin}: unknown category {key!r}; categories are {', '.join(CATEGORY_KEYS)}"
            )
        rules[key] = _parse_rule(raw, f"{origin}: categories.{key}")
    days = base.review_content_days if base is not None else None
    retention = doc.get("retention", {})
    if not isinstance(retention, dict) or set(retention) - {"review_content_days"}:
        raise PolicyError(f"{origin}: 'retention' is a table with only 'review_content_days'")
    if "review_content_days" in retention:
        value = retention["review_content_days"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3650:
            raise PolicyError(
                f"{origin}: retention.review_content_days must be a number of days, 0 to 3650"
            )
        days = float(value)
    return Policy(version.strip(), rules, str(doc.get("description", "")), days)


def _parse_rule(raw: Any, where: str) -> CategoryRule:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be a table")
    unknown = set(raw) - {"enabled", "review", "block"}
    if unknown:
        raise PolicyError(f"{where}: unknown keys {sorted(unknown)}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise PolicyError(f"{where}.enabled must be true or false")
    thresholds: dict[str, float | None] = {}
    for name in ("review", "block"):
        value = raw.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
        ):
            raise PolicyError(f"{where}.{name} must be a number between 0 and 1")
        thresholds[name] = float(value) if value is not None else None
    review, block = thresholds["review"], thresholds["block"]
    if review is not None and block is not None and review > block:
        raise PolicyError(f"{where}: review threshold {review} is above block threshold {block}")
    return CategoryRule(enabled, review, block)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None


def default_policy() -> Policy:
    """The policy shipped with winnow (``policy/default.toml``)."""
    text = resources.files("winnow.policy").joinpath("default.toml").read_text("utf-8")
    policy = parse_policy(tomllib.loads(text), "default policy")
    missing = set(CATEGORY_KEYS) - set(policy.rules)
    if missing:  # a packaging mistake, not a user error
        raise PolicyError(f"default policy lacks categories {sorted(missing)}")
    return policy


def load_policy(path: Path | None) -> Policy:
    """The policy in ``path`` over the default one; the default policy when ``path`` is None."""
    base = default_policy()
    if path is None:
        return base
    return parse_policy(_read_toml(path), str(path), base=base)
