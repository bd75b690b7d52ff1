"""Kiosk mode's screens: the start screen, the idle countdown and the operator's PIN (``envlab kiosk``)."""
