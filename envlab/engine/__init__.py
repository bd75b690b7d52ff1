"""Runs lessons: one runner yielding typed events, the checks, the proof and image preparation."""
