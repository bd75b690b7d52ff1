"""envlab: learn why "it works on my machine" happens, on real containers."""

from __future__ import annotations

__version__ = "0.1.0"
