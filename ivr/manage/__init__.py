"""Administrators' management pages: the directory's providers and platforms, logins, tokens."""
