"""Printed documents (PDF): a pupil's diary extract, a course journal, a class's
summary sheet and its year-end archive. Each carries its provenance (the log
position and ledger hash it was made from, ``as_of``, who printed it and when)
in its footer and in its metadata, and ``provenance.check`` tells whether the
log still holds that position with that hash."""

from ejournal.printouts.provenance import Provenance, check, read_document, stamp

__all__ = ["Provenance", "check", "read_document", "stamp"]
