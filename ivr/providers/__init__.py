"""Where the line runs: the voice and SMS providers behind one seam each (issue 17).

`voice` verifies a webhook, reads it into the dialog's neutral event and says what the
provider's TwiML interpreter can do (`dialogs.capabilities`); `sms` sends one text message.
Both are chosen by configuration (`VOICE_PROVIDER`, `SMS_PROVIDER`).
"""
