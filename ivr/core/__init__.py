"""The floor under every room: settings, database, models, migrations runner, clock, audit, log
masking, signals, health.
"""
