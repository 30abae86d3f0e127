"""Exports: what the dashboard shows, as files (Excel, chart images, PDF briefing)."""
