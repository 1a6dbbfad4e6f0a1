"""Tools outside the production rooms: the terminal phone."""
