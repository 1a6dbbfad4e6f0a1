"""A bare Flask endpoint returning fixed TwiML: the yardstick for a full dialog turn."""

from __future__ import annotations

from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/turn" '
         'input="dtmf speech"><Say language="cmn-CN">您好</Say></Gather></Response>')


def create_app() -> Flask:
    """The yardstick app."""
    app = Flask(__name__)

    @app.post("/voice/turn")
    def turn() -> Response:
        return Response(TWIML, mimetype="application/xml")

    return app
