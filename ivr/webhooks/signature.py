"""The X-Twilio-Signature check that guards every Twilio route. It cannot be turned off.

Somleng signs its webhooks the same way with its own token (see ivr.providers.voice)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import abort, current_app, request

from ivr.providers.voice import signing_providers

P = ParamSpec("P")
R = TypeVar("R")


def public_url() -> str:
    """The URL Twilio requested, as Twilio saw it (PUBLIC_BASE_URL or the proxy's headers)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if not base:
        # Behind a proxy, ProxyFix (TRUSTED_PROXY_HOPS) has already restored scheme and host.
        return request.url
    query = request.query_string.decode("ascii", "replace")
    return base + request.script_root + request.path + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    """Check the request's signature against the providers' auth tokens and the public URL."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # The MultiDict itself: the validator then signs every value of a repeated field.
    params = request.form if request.method == "POST" else {}
    settings = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    url = public_url()
    return any(provider.verify(current_app.config, url, params, signature, settings)
               for provider in signing_providers(current_app.config))


def twilio_only(view: Callable[P, R]) -> Callable[P, R]:
    """Answer 403, before anything is read or written, unless Twilio signed the request."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not signature_is_valid():
            abort(403)
        return view(*args, **kwargs)

    return wrapped
