"""The one delivery pipeline: dispatch, retries, the sweeper, attempts, health."""
