"""ipaas.web."""
