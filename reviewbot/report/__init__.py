"""Report layer: findings and summaries out as text, markdown, JSON, SARIF and reply mail."""
