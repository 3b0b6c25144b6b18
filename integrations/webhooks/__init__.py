"""Webhooks: signed HTTP POSTs of events to the customer's URL."""
