"""The house's signals (blinker, as Flask ships it): how a lower room tells a higher one what
happened without importing it.

- `message_sent(message, session=...)`: the outbox handed a text message to the provider.
- `message_delivered(message, session=...)`: the provider's status callback says it arrived;
  the referrals room listens, so a referral whose provider was told becomes `notified`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

message_sent = _signals.signal("message-sent", doc="An outbox message left; sender: the message.")
message_delivered = _signals.signal(
    "message-delivered", doc="An outbox message was delivered; sender: the message.")
