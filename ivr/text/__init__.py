"""The same dialogs in text: SMS and web chat."""
