"""ipaas.demo."""
