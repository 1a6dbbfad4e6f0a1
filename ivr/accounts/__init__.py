"""Logins for the web pages: sessions, CSRF, rate limits, roles."""
