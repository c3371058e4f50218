"""The ``winnow`` command line: a thin adapter over the pipeline."""
