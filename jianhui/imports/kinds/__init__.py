"""One importer per kind of file; KINDS maps the CLI's kind names to them."""

from __future__ import annotations

from .base import Importer, Issue, Report
from .coverage import CoverageImporter
from .enterprises import EnterpriseImporter
from .jurisdictions import JurisdictionImporter
from .members import MemberImporter
from .unions import UnionImporter

KINDS: dict[str, type[Importer]] = {
    k.kind: k for k in (JurisdictionImporter, EnterpriseImporter, UnionImporter,
                        CoverageImporter, MemberImporter)
}

__all__ = ["KINDS", "Importer", "Issue", "Report"]
