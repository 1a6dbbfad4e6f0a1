"""The `flask --app ivr ...` commands, one module per group."""
