"""Recorded client sessions replayed message by message against the app."""
