"""ipaas.triggers."""
