"""ipaas.transfer."""
