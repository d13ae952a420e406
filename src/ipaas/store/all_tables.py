"""Imports every table module so ``ipaas.store.tables.metadata`` knows all tables.

Add one line per table module; the order does not matter.
"""

# ruff: noqa: I001

from __future__ import annotations

from ipaas.store import tables  # noqa: F401
from ipaas.store import triggers_tables  # noqa: F401
from ipaas.store import transfer_tables  # noqa: F401
from ipaas.store import accounts_tables  # noqa: F401
from ipaas.store import resources_tables  # noqa: F401
from ipaas.store import dashboard_tables  # noqa: F401
