"""The directory: divisions, platforms and providers, understanding callers, and routing."""
