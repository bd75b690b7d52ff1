"""The Textual face of envlab."""
