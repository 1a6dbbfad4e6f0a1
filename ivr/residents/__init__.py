"""Residents' electronic files, their referrals and follow-ups, callback tasks, the outbox."""
