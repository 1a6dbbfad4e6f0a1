"""The console's work without a browser: callback outcomes, a transfer Twilio cannot take,
search by any way of writing a number."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.accounts.logins import create_user
from ivr.core.models import CallbackTask, QueueEntry, Resident, User

from .pages import HTTPS, client_login
from .voicecall import VoiceCall

PASSWORD = "services-password"
HEADERS = {"Referer": f"{HTTPS}/operator/"}


def _operator(app: Flask, demo: Any, status: str = "off") -> tuple[FlaskClient, str]:
    with demo.sessions() as s:
        s.add(create_user("wu", PASSWORD, "operator", name="小吴", phone="+8613800000555",
                          status=status))
        s.commit()
    client = client_login(app, "wu", PASSWORD)
    page = client.get("/operator/", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    return client, token.group(1)


def test_no_answer_keeps_a_callback_open_and_reached_closes_it(app: Flask, demo: Any) -> None:
    with demo.sessions() as s:
        task = CallbackTask(phone="+8613955550003", call_sid="CA" + "3" * 32, reason="missed")
        s.add(task)
        s.commit()
        task_id = task.id
    client, token = _operator(app, demo)
    for outcome, status, attempts in (("no_answer", "open", 1), ("reached", "done", 2)):
        answer = client.post(f"/operator/callbacks/{task_id}/done", base_url=HTTPS,
                             headers=HEADERS, data={"csrf_token": token, "outcome": outcome})
        assert answer.status_code == 302
        with demo.sessions() as s:
            row = s.get(CallbackTask, task_id)
            assert row is not None
            assert (row.status, row.attempts, row.attempt_outcome) == (status, attempts, outcome)
    page = client.get("/operator/", base_url=HTTPS).get_data(as_text=True)
    assert f'id="task-{task_id}"' not in page
    refused = client.post(f"/operator/callbacks/{task_id}/done", base_url=HTTPS,
                          headers=HEADERS, data={"csrf_token": token, "outcome": "deleted"})
    assert refused.status_code == 400


def test_a_transfer_twilio_cannot_take_changes_nothing(app: Flask, demo: Any) -> None:
    app.config["TWILIO_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    client, token = _operator(app, demo, status="busy")  # on duty, not free: the caller waits
    call = VoiceCall(app.test_client(), "+8613955550004")
    call.press("0")
    taken = client.post("/operator/take", base_url=HTTPS, headers=HEADERS,
                        data={"csrf_token": token})
    assert taken.status_code == 302
    with demo.sessions() as s:
        entry = s.scalars(select(QueueEntry)).one()
        entry.status = "connected"
        s.add(create_user("zhao", PASSWORD, "operator", name="小赵", phone="+8613800000444",
                          status="available"))
        s.commit()
        entry_id = entry.id
        other = s.scalars(select(User).where(User.username == "zhao")).one().id
    answer = client.post(f"/operator/calls/{entry_id}/transfer", base_url=HTTPS,
                         headers=HEADERS, data={"csrf_token": token,
                                                "target": f"operator:{other}"},
                         follow_redirects=True)
    assert "转接失败" in answer.get_data(as_text=True)
    with demo.sessions() as s:
        entry = s.get(QueueEntry, entry_id)
        assert entry is not None and entry.status == "connected"
        assert s.scalars(select(User).where(User.username == "wu")).one().status != "wrap_up"
    bogus = client.post(f"/operator/calls/{entry_id}/transfer", base_url=HTTPS,
                        headers=HEADERS, data={"csrf_token": token, "target": "provider:nope"},
                        follow_redirects=True)
    assert "没有这个转接对象" in bogus.get_data(as_text=True)


def test_a_number_is_found_however_it_is_written(app: Flask, demo: Any) -> None:
    with demo.sessions() as s:
        s.add(Resident(phone="+8655163100167", name="赵大妈", division_code="340111400001"))
        s.add(Resident(phone="+8613812345678", name="钱大爷", division_code="340111400002"))
        s.commit()
    client, _ = _operator(app, demo)
    for query, name in (("0551-6310 0167", "赵大妈"), ("055163100167", "赵大妈"),
                        ("+86 551 6310 0167", "赵大妈"), ("0167", "赵大妈"),
                        ("138 1234 5678", "钱大爷"), ("钱", "钱大爷"), ("融荫", "钱大爷")):
        page = client.get("/operator/residents", query_string={"q": query},
                          base_url=HTTPS).get_data(as_text=True)
        found = re.findall(r'<td><a href="/operator/residents/\d+">([^<]+)</a>', page)
        assert found == [name], (query, found)
    page = client.get("/operator/residents", query_string={"q": "%"},
                      base_url=HTTPS).get_data(as_text=True)
    assert "没有找到" in page  # a wildcard is a character, not everyone


def test_a_transfer_submitted_twice_moves_the_call_once(app: Flask, demo: Any) -> None:
    from .fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        app.config["TWILIO_API_BASE"] = fake.url
        client, token = _operator(app, demo, status="busy")
        VoiceCall(app.test_client(), "+8613955550005").press("0")
        client.post("/operator/take", base_url=HTTPS, headers=HEADERS,
                    data={"csrf_token": token})
        with demo.sessions() as s:
            entry = s.scalars(select(QueueEntry)).one()
            entry.status = "connected"
            s.add(create_user("qian", PASSWORD, "operator", name="小钱", phone="+8613800000555",
                              status="available"))
            s.commit()
            entry_id = entry.id
            other = s.scalars(select(User).where(User.username == "qian")).one().id
        form = {"csrf_token": token, "target": f"operator:{other}"}
        first = client.post(f"/operator/calls/{entry_id}/transfer", base_url=HTTPS,
                            headers=HEADERS, data=form, follow_redirects=True)
        again = client.post(f"/operator/calls/{entry_id}/transfer", base_url=HTTPS,
                            headers=HEADERS, data=form, follow_redirects=True)
    assert "已转接给" in first.get_data(as_text=True)
    assert "无法转接" in again.get_data(as_text=True)
    assert len(fake.call_updates) == 1
    with demo.sessions() as s:
        assert s.get(QueueEntry, entry_id).status == "done"  # type: ignore[union-attr]
