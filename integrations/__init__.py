"""Webhooks, Zapier, CRMs and reports: everything that leaves for a customer's systems."""
