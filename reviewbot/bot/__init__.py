"""The unattended review bot: inbox in, state, review, replies out (see reviewbot/bot/runner.py)."""
