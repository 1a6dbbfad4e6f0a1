"""Garbage at the Twilio routes: signed random forms always get 200 and valid TwiML;
unsigned ones always get 403 and write nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ivr.core.models import Call, Conversation

from .conftest import PUBLIC, post_signed

ROUTES = ["/voice", "/voice/turn", "/voice/turn?t=0", "/voice/turn?t=1", "/voice/status",
          "/voice/dial-done?target=duty&try=1", "/voice/fallback", "/voice/queue/wait",
          "/voice/queue/done", "/voice/queue/options?after=queue.timeout",
          "/voice/queue/message", "/voice/queue/dialled", "/voice/operator/whisper?entry=1",
          "/voice/operator/accept?entry=1", "/sms"]
FIELDS = ["CallSid", "From", "To", "Digits", "SpeechResult", "Confidence", "CallStatus",
          "CallDuration", "SequenceNumber", "DialCallStatus", "DialCallDuration", "QueueResult",
          "QueueTime", "RecordingUrl", "Body", "Junk"]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
forms = st.dictionaries(st.sampled_from(FIELDS), text, max_size=8)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), form=forms)
def test_signed_garbage_gets_valid_twiml(app: Flask, route: str, form: dict[str, str]) -> None:
    form = {k: v.replace("\x00", "") for k, v in form.items()}
    response = post_signed(app.test_client(), route, form)
    assert response.status_code == 200, (route, form)
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), form=forms,
       signature=st.from_regex(r"[A-Za-z0-9+/=]{0,40}", fullmatch=True))
def test_unsigned_garbage_gets_403_and_writes_nothing(app: Flask, route: str,
                                                      form: dict[str, str],
                                                      signature: str) -> None:
    headers = {"X-Twilio-Signature": signature}
    response = app.test_client().post(route, data=form, base_url=PUBLIC, headers=headers)
    assert response.status_code == 403
    db = app.extensions["ivr.db"]
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 0
        assert s.scalar(select(func.count()).select_from(Conversation)) == 0
