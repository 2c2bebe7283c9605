"""The guidelines and the schema state the event inventory twice: they must agree.

gold/GUIDELINES.md §3.1 is the contract annotators read (a table of types and
roles, and the rule for ``Place``); ``benchmark.data.schema.EVENT_ROLES`` is
what validation enforces. §4's label inventory states the seed's counts. A
change to one that is not made to the other fails here.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from conftest import SEED_ID

from benchmark import paths
from benchmark.data.schema import EVENT_ROLES, SCHEMA_VERSION


def _guidelines() -> str:
    return (paths.GOLD_DIR / "GUIDELINES.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n### ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def _table_roles(text: str) -> dict[str, tuple[str, ...]]:
    """Rows "| `Type` | Role, Role | triggers |" of §3.1."""
    rows = re.findall(r"^\| `([A-Z][\w-]+\.[\w-]+)` \| ([^|]+) \|", _section(text, "### 3.1 "), re.M)
    return {etype: tuple(role.strip() for role in roles.split(",")) for etype, roles in rows}


def _placeless(text: str) -> set[str]:
    """The types the ``Place`` bullet of §3.1 names as exceptions."""
    bullet = re.search(r"^- \*\*`Place`\*\*(.*?)(?=^\S|^- )", _section(text, "### 3.1 "), re.M | re.S)
    assert bullet is not None, "§3.1 has no `Place` bullet"
    return set(re.findall(r"`([A-Z][\w-]+\.[\w-]+)`", bullet.group(1)))


def test_guidelines_name_the_schema_version():
    assert _guidelines().splitlines()[2].startswith(f"Schema version {SCHEMA_VERSION} ")


def test_section_3_1_table_is_event_roles():
    text = _guidelines()
    table = _table_roles(text)
    placeless = _placeless(text)
    assert len(table) == 33
    assert list(table) == list(EVENT_ROLES)
    for etype, roles in table.items():
        expected = (*roles, "Time") + (() if etype in placeless else ("Place",))
        assert EVENT_ROLES[etype] == expected, etype
    assert placeless == {"Movement.Transport", "Justice.Extradite", "Contact.Phone-Write"}


def test_label_inventory_counts_the_seed_events():
    """§4's "In the seed" cell for events is the gold's count, by type and by role."""
    row = next(line for line in _guidelines().splitlines() if line.startswith("| Event types"))
    cell = row.rstrip(" |").rsplit("|", 1)[1]
    events = json.loads((paths.ANNOTATIONS_DIR / f"{SEED_ID}.json").read_text(encoding="utf-8"))["events"]
    by_type = Counter(e["type"] for e in events)
    by_role = Counter(a["role"] for e in events for a in e["arguments"])
    expected = (
        f"{len(events)} mentions of {len({e['event'] for e in events})} events: "
        + ", ".join(f"{t} {n}" for t, n in by_type.most_common())
        + f"; {sum(by_role.values())} arguments: "
        + ", ".join(f"{r} {n}" for r, n in by_role.most_common())
    )
    assert cell.strip() == expected
