"""Reports: tables (terminal, CSV, JSON, Markdown) and plots."""
