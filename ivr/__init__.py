"""The Flask application of the unified social service line."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.core import config, db, logmask, logs, metrics

# Paths Twilio posts to: an error there must still be TwiML, never an HTML page.
TWILIO_PREFIXES = ("/voice", "/sms")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from the environment, then `test_config` on top."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    if test_config:
        app.config.update(test_config)
    # Read once, typed; every bad setting named in one message (ConfigError).
    app.config.update(config.load(os.environ, test_config, app.instance_path,
                                  strict=not (app.debug or app.testing)))

    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
    logmask.install()
    if not app.testing:  # the tests read records through pytest's capture
        logs.install(app.config["LOG_FORMAT"])
    metrics.init_app(app)

    db.init_app(app)
    from ivr.accounts import logins

    logins.init_app(app)
    from ivr.core import display

    display.init_app(app)
    _register_blueprints(app)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _twiml_for_twilio_paths)

    from ivr.cli import commands

    commands.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from ivr.accounts.logins import csrf
    from ivr.care.routes import bp as care_bp
    from ivr.care.routes import hooks as care_hooks_bp
    from ivr.city.routes import api as city_api_bp
    from ivr.city.routes import bp as city_bp
    from ivr.core.health import bp as health_bp
    from ivr.manage.routes import bp as manage_bp
    from ivr.operators.console import bp as operator_bp
    from ivr.reports.admin import bp as admin_bp
    from ivr.reports.rights_admin import bp as admin_rights_bp
    from ivr.stations.api import bp as station_bp
    from ivr.stations.pages import bp as station_pages_bp
    from ivr.text.chat import bp as chat_bp
    from ivr.text.sms import bp as sms_bp
    from ivr.voice import queue_routes  # noqa: F401  (adds the queue's routes to voice_bp)
    from ivr.voice.routes import bp as voice_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(voice_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(station_bp)
    app.register_blueprint(station_pages_bp)
    app.register_blueprint(operator_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(admin_rights_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(city_bp)
    app.register_blueprint(city_api_bp)
    app.register_blueprint(chat_bp)
    app.register_blueprint(care_bp)
    app.register_blueprint(care_hooks_bp)
    # Twilio's routes are signed and the station API uses tokens: no browser form posts there.
    from ivr.accounts.logins import limiter

    for blueprint in (voice_bp, sms_bp, station_bp, city_api_bp, care_hooks_bp):
        csrf.exempt(blueprint)
        # Twilio's own rate and our signature check guard these; no per-request limiter cost.
        limiter.exempt(blueprint)
    # The chat posts JSON with the page's CSRF token in a header; Flask-WTF checks it there.


def _security_headers(response: Response) -> Response:
    """HTML pages may load nothing from elsewhere and cannot be framed."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _twiml_for_twilio_paths(error: HTTPException) -> Response | HTTPException:
    """Outside a view (unknown path, wrong method), Twilio's paths still get TwiML."""
    if error.code == 403 or not request.path.startswith(TWILIO_PREFIXES):
        return error
    from ivr.webhooks.signature import signature_is_valid

    if not signature_is_valid():
        # Nothing, not even the duty number, for a request Twilio did not sign.
        return Forbidden()
    from ivr.voice.render import apology_response
    from ivr.voice.routes import twiml

    return twiml(apology_response(current_app.config, url_for("voice.dial_done")))
