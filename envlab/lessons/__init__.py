"""The lesson format: models, a YAML loader with file:line:col errors, the catalog and validation."""
