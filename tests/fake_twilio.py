"""A fake of Twilio's REST API on loopback: records messages, can be told to fail for a while."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeTwilio:
    """POST /2010-04-01/Accounts/{sid}/Messages.json, as the twilio client sends it; and
    POST .../Calls/{CallSid}.json, a live call's new TwiML (a transfer)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.call_updates: list[dict[str, str]] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if "/Calls/" in self.path:
                    sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                    with fake.lock:
                        fake.call_updates.append({"CallSid": sid, **form})
                    self._answer(200, {"sid": sid, "status": "in-progress"})
                    return
                with fake.lock:
                    failing = fake.fail_next > 0
                    if failing:
                        fake.fail_next -= 1
                    else:
                        fake.messages.append(form)
                if failing:
                    self._answer(500, {"code": 20500, "message": "Internal Server Error",
                                       "status": 500})
                    return
                self._answer(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                   "to": form.get("To"), "body": form.get("Body")})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
