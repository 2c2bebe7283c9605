"""The one error type a user sees for bad data, always with its location."""

from __future__ import annotations


class DataError(Exception):
    """A problem in an input file, located by file, record (or line) and field."""

    def __init__(self, file: str, record: str | None, field: str | None, message: str):
        self.file, self.record, self.field, self.message = file, record, field, message
        super().__init__(self.location() + ": " + message)

    def location(self) -> str:
        parts = [self.file]
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class DataErrors(Exception):
    """Several located problems, reported together so a user fixes them in one pass."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
