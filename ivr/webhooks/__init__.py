"""What every Twilio webhook shares: the signature check and defensive form reading."""
