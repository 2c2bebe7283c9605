"""Round-trips between the record format and annotation tools.

One module per format: ``labelstudio`` and ``brat`` go both ways (export a
record for annotation, import what the annotator made of it); ``conll`` and
``docbin`` are export only (training and inspection). Every format is written
from its published specification; no converter library is used (the
``label-studio-sdk`` is not a dependency). What a record carries that a tool
has no field for (mention, quotation and event ids, entity and event
coreference ids, a quotation's speaker entity) travels in a short *reference*
string, ``key=value`` pairs separated by spaces (``records.format_ref``), kept
in the tool's free-text field for the annotation: a per-region TextArea in
Label Studio, an ``AnnotatorNotes`` line in brat.
"""

from __future__ import annotations

EXPORT_FORMATS = ("labelstudio", "brat", "conll", "docbin")
IMPORT_FORMATS = ("labelstudio", "brat")
