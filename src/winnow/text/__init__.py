"""Text utilities shared by text detectors: normalisation against evasion, with offset maps."""
