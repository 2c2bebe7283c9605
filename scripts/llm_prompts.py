"""Rewrite the event inventory of the LLM prompt files from the schema.

The event and joint prompts (``configs/prompts/llm_*.fr.txt``) list every event
type with its roles. That list is ``benchmark.systems.llm.event_inventory_fr()``,
derived from ``schema.EVENT_ROLES``; run this after a schema change (and bump
``version`` in ``configs/model/llm.yaml``: a prompt changed). The test
``test_prompt_files_state_the_schema_event_inventory`` fails until it is run.

    PYTHONPATH=. .venv/bin/python scripts/llm_prompts.py
"""

from __future__ import annotations

import sys

from benchmark import paths
from benchmark.systems.llm import with_event_inventory


def main() -> int:
    for path in sorted((paths.ROOT / "configs" / "prompts").glob("llm_*.fr.txt")):
        text = path.read_text(encoding="utf-8")
        updated = with_event_inventory(text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            print(f"rewrote {path.relative_to(paths.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
