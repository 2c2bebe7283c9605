"""newsbench: a reproducible benchmark for information extraction from French news.

The benchmark never contacts the Hugging Face hub: the dataset and the metric
modules live in this repository and load by local path, so offline mode is set
before ``datasets``, ``evaluate`` or ``huggingface_hub`` can be imported.
"""

import os

for _variable in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
