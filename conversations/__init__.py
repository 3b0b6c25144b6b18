"""Documents, the answer engine, end users, conversations and messages."""
