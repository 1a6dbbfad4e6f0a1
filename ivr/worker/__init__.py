"""The worker process: spool replay and the outbox, after the webhooks answered."""
