"""Workspaces (the tenant), their members, and the admin scoping every model uses."""
