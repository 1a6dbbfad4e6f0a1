"""A signed call through the webhooks, step by step, with TwiML parsed as XML."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from .conftest import call_form, dialled, post_signed, twiml


class VoiceCall:
    """Follows the line's TwiML the way Twilio does, one answer at a time."""

    def __init__(self, client: FlaskClient, from_number: str = "+8613900000001") -> None:
        self.client = client
        self.sid = "CA" + uuid.uuid4().hex
        self.from_number = from_number
        self.doc = self._post("/voice", CallStatus="ringing")

    def _post(self, path: str, **fields: str) -> ET.Element:
        form = call_form(self.sid, From=self.from_number, **fields)
        return twiml(post_signed(self.client, path, form))

    @property
    def gather(self) -> ET.Element:
        found = self.doc.find("Gather")
        assert found is not None, ET.tostring(self.doc, encoding="unicode")
        return found

    def press(self, digits: str) -> ET.Element:
        self.doc = self._post(self.gather.get("action", ""), Digits=digits)
        return self.doc

    def say(self, words: str, confidence: str = "0.9") -> ET.Element:
        self.doc = self._post(self.gather.get("action", ""), SpeechResult=words,
                              Confidence=confidence)
        return self.doc

    def silence(self) -> ET.Element:
        redirect = self.doc.find("Redirect")
        assert redirect is not None
        self.doc = self._post(redirect.text or "")
        return self.doc

    @property
    def said(self) -> str:
        return " ".join("".join(s.itertext()) for s in self.doc.iter("Say"))

    @property
    def dialled(self) -> list[str]:
        return dialled(self.doc)
