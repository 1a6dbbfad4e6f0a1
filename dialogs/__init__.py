"""Channel-neutral conversations of the service line: no Flask, no Twilio, no database here."""
