"""Integration platforms (Deck, StackOne, a team's own): each a plugin with a `Platform` value
(`registry.py`), one module per platform, plus what they all share (account files, one JSON
call with errors in plain words, the key check, the words a run may use)."""
