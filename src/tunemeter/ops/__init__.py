"""Compose several domains on the top floor: the demo and the import/demo/audit/serve commands."""
