"""The city evaluation center: every platform's statistics and evidence, no personal data."""
