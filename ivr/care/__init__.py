"""Proactive care calls (主动关怀, issue 20): plans in the residents' files, due calls placed by
the worker through the voice provider's REST API, a slow check-in dialog, retries, alerts."""
