"""A bare Flask app returning fixed TwiML: the yardstick for a full dialog turn.

It answers the same three webhooks a call makes (/voice, /voice/turn, /voice/status), so the
same simulated callers place the same number of requests against it as against the line.
"""

from __future__ import annotations

from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/turn?t=1" '
         'input="dtmf speech"><Say language="cmn-CN">您好</Say></Gather></Response>')
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def create_app() -> Flask:
    """The yardstick app."""
    app = Flask(__name__)

    @app.post("/voice")
    @app.post("/voice/turn")
    def turn() -> Response:
        return Response(TWIML, mimetype="application/xml")

    @app.post("/voice/status")
    def status() -> Response:
        return Response(EMPTY, mimetype="application/xml")

    @app.get("/healthz")
    def health() -> str:
        return "ok"

    return app
