"""The event catalogue and the outbox every integration reads."""
