"""Scoring: the scorer over whole documents, bootstrap intervals, paired significance, and the ``evaluate`` metric modules."""
