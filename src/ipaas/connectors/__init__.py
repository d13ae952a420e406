"""ipaas.connectors."""
