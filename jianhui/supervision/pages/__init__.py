"""Supervision's pages: daily reports, bulletins, inspections, meetings, escalations, the bell."""
