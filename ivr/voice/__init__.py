"""The phone line: Twilio voice webhooks."""
