"""One contact's dialog: a turn and its effects, the dialogs' view of the directory, the hand-off
queue.
"""
