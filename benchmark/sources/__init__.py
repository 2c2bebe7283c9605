"""External corpora used as extra evaluation tracks (issue 15: WiNER-fr).

Nothing of an external corpus is committed to this repository: only code, a
manifest of hashes (``winer-fr.manifest.tsv``: path, size, sha256, no text) and
our own conventions. The data is fetched into a user cache, verified file by
file against the manifest, and read from there.

Modules:

- ``manifest``: the manifest format, building one from a folder, checking a
  folder against one (missing, extra, changed files, each named);
- ``fetch``: the cache location, fetching from a local folder or from a
  ``.tar.gz`` archive URL into the cache atomically, locating a verified copy;
- ``brat``: a strict reader of brat standoff (``.txt`` + ``.ann``) documents;
- ``winer``: WiNER-fr itself: label mapping, the nesting rule, splits, loading;
- ``conventions``: counts of what each conversion rule affects.

Only ``benchmark.errors`` and ``benchmark.fileio`` are imported from the rest
of the project, so this subpackage survives the package's restructuring.
"""
