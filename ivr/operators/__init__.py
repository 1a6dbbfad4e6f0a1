"""The operators' console: the live queue, the caller's file, wrap-up, text replies, callbacks."""
