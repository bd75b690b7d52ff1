"""Kiosk mode's configuration: what a kiosk offers, its idle timeout and the operator's PIN.

The TUI's kiosk screens are in :mod:`envlab.ui.kiosk`; this package never imports Textual.
"""
