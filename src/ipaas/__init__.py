"""ipaas: a self-hostable hub-and-spoke integration platform."""

__version__ = "0.1.0"
