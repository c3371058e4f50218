"""winnow: self-hosted content moderation.

One piece of content comes in, is decoded (``media``), detectors give scored signals with
evidence (``detectors``), a policy turns them into a decision (``policy``), and the ``pipeline``
ties those together. Adapters (``cli``) sit on top. Heavy libraries are imported inside the
modules that need them, so ``import winnow`` stays fast.
"""

__version__ = "0.1.0"
