"""A wire-compatible emulator of the TikTok Business API and TikTok's hosted pages (see README.md).

Runs as its own process (`python -m sandbox serve`); nothing in the Django project imports it."""
