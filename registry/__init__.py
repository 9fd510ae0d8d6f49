"""The social register: persons, households, documents, incomes, housing, accounts; the database,
its migrations, the snapshot builder, calculation history, import and export.

Importing the package installs the audit journal on every SQLAlchemy session.
"""

from registry import audit as _audit  # noqa: F401  (installs the flush listener)

__all__: list[str] = []
