"""Import of the social register from CSV, XLSX and JSON files: persons, households, documents,
incomes, housing and categories, with a row-level report of what was refused.

Modules: ``files`` (safe reading: caps, the XLSX archive, JSON), ``encodings`` (which code page
a CSV is in), ``values`` (the grammar of cells), ``records`` (record shapes and header aliases),
``checks`` (against the register and the rest of the file), ``service`` (``import_file``).
"""

from registry.importing.files import ImportFileError, Limits
from registry.importing.records import KINDS
from registry.importing.service import ImportReport, import_file

__all__ = ["KINDS", "ImportFileError", "ImportReport", "Limits", "import_file"]
