"""Widgets of the envlab TUI."""
