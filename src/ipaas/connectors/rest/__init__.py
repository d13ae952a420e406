"""The declarative ``rest`` connector."""

from ipaas.connectors.rest.config import RestConfig
from ipaas.connectors.rest.connector import RestConnector
from ipaas.connectors.rest.watermark import Watermark

__all__ = ["RestConfig", "RestConnector", "Watermark"]
