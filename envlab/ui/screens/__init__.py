"""The screens of the envlab TUI, one class per module."""
