"""The transfer engine: to_hub and from_hub work, fan-out, throttle, workers, initialization."""

from ipaas.transfer.admin import discard_errors, list_errors, queue_status, retry_errors
from ipaas.transfer.engine import TransferEngine, WorkerOptions
from ipaas.transfer.manual import initialize, transfer_records
from ipaas.transfer.provider import ConnectorProvider, StaticConnectorProvider
from ipaas.transfer.worker import drain, run_workers

__all__ = [
    "ConnectorProvider",
    "StaticConnectorProvider",
    "TransferEngine",
    "WorkerOptions",
    "discard_errors",
    "drain",
    "initialize",
    "list_errors",
    "queue_status",
    "retry_errors",
    "run_workers",
    "transfer_records",
]
