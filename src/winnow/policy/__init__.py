"""Policy: per-category thresholds and switches (versioned TOML) and a pure evaluate()."""

from winnow.policy.evaluate import evaluate
from winnow.policy.model import CategoryRule, Policy, default_policy, load_policy, parse_policy

__all__ = ["CategoryRule", "Policy", "default_policy", "evaluate", "load_policy", "parse_policy"]
