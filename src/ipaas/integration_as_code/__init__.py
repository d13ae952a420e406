"""Integration as code: integrations and subscriptions as YAML files.

``ipaas apply -f FILE|DIR`` creates or updates them idempotently; ``ipaas export`` writes
them back. Problems name the file, the line and the field.
"""

from ipaas.integration_as_code.documents import Document, DocumentError, load_documents
from ipaas.integration_as_code.service import (
    Change,
    apply_documents,
    dump_document,
    export_documents,
)
from ipaas.integration_as_code.subscriptions import SubscriptionDoc, env_name

__all__ = [
    "Change",
    "Document",
    "DocumentError",
    "SubscriptionDoc",
    "apply_documents",
    "dump_document",
    "env_name",
    "export_documents",
    "load_documents",
]
