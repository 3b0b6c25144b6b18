"""Scheduled summaries: the daily report, sent by email, as an event and over the API."""
