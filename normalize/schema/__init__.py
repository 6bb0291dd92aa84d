"""JSON Schema of the front matter (``article.schema.json``), shipped for validators."""
