"""The hub's database: tables, repositories, queue statements, unit of work, migrations."""

from ipaas.store.engine import create_engine
from ipaas.store.external_ids import ExternalIdLink, ExternalIdRepository
from ipaas.store.queue import NewQueueItem, QueueRepository, new_tracking_id
from ipaas.store.records import HubRecord, HubRecordRepository, HubRecordVersion, UpsertResult
from ipaas.store.tenants import TenantRepository
from ipaas.store.unit_of_work import UnitOfWork

__all__ = [
    "ExternalIdLink",
    "ExternalIdRepository",
    "HubRecord",
    "HubRecordRepository",
    "HubRecordVersion",
    "NewQueueItem",
    "QueueRepository",
    "TenantRepository",
    "UnitOfWork",
    "UpsertResult",
    "create_engine",
    "new_tracking_id",
]
