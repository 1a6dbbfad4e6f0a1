"""The reports of REPORTS.md, certification evidence, their formats, one registry, the admin
pages.
"""
