"""Running systems: the Hydra app (typed configs, runner, multirun callback), provenance, and ``check``, which re-runs every published result."""
