"""Supervision (专程督导): daily reports, the daily bulletin, inspections every three working
days, the weekly progress meeting and the escalation ladder (issue 12)."""
