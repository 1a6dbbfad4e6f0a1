"""A fake of Twilio's REST API on loopback (Somleng serves the same API): records messages,
can be told to fail for a while."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs


class JsonHandler(BaseHTTPRequestHandler):
    """A fake API's request handler: answers in JSON and keeps no access log."""

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


class LoopbackServer:
    """A fake API on a free loopback port, served for the length of a `with` block."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Bind the handler; the `with` block starts and stops it."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeTwilio(LoopbackServer):
    """POST /2010-04-01/Accounts/{sid}/Messages.json, as the twilio client sends it;
    POST .../Calls/{CallSid}.json, a live call's new TwiML (a transfer); and POST
    .../Calls.json, a new outbound call (a care call: `calls_created`, `fail_calls` refused)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        # (path, Authorization header) of each request taken: whose account sent it.
        self.requests: list[tuple[str, str]] = []
        self.call_updates: list[dict[str, str]] = []
        self.calls_created: list[dict[str, str]] = []
        self.fail_calls = 0
        self.fail_next = 0
        # Behaviours for the next requests, one each: "nonjson" (a 201 that is not JSON),
        # "drip" (a 201 whose body comes a byte every 0.2 s for 60 s), "4xx:CODE" (Twilio's
        # refusal with that error code), "slow:S" (answers after S seconds).
        self.script: list[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path.endswith("/Calls.json"):
                    with fake.lock:
                        refused = fake.fail_calls > 0
                        fake.fail_calls -= 1 if refused else 0
                        if not refused:
                            fake.calls_created.append(form)
                    if refused:
                        self._answer(500, {"code": 20500, "message": "Internal Server Error",
                                           "status": 500})
                        return
                    self._answer(201, {"sid": "CA" + uuid.uuid4().hex, "status": "queued",
                                       "to": form.get("To"), "from": form.get("From")})
                    return
                if "/Calls/" in self.path:
                    sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                    with fake.lock:
                        fake.call_updates.append({"CallSid": sid, **form})
                    self._answer(200, {"sid": sid, "status": "in-progress"})
                    return
                with fake.lock:
                    act = fake.script.pop(0) if fake.script else ""
                    failing = fake.fail_next > 0 and not act
                    if failing:
                        fake.fail_next -= 1
                    elif not act.startswith("4xx"):
                        fake.messages.append(form)
                        fake.requests.append((self.path, self.headers.get("Authorization", "")))
                if act.startswith("slow:"):
                    time.sleep(float(act[5:]))
                elif act == "nonjson":
                    self._raw(201, b"<html>upstream proxy says hello</html>")
                    return
                elif act == "drip":
                    self._drip()
                    return
                elif act.startswith("4xx:"):
                    self._answer(400, {"code": int(act[4:]), "message": "refused", "status": 400})
                    return
                if failing:
                    self._answer(500, {"code": 20500, "message": "Internal Server Error",
                                       "status": 500})
                    return
                self._answer(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                   "to": form.get("To"), "body": form.get("Body")})

            def _raw(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _drip(self) -> None:
                data = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}).encode()
                data += b" " * 300
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                except OSError:
                    return  # the client gave up, as it should

        self.serve(Handler)
