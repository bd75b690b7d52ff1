"""The Docker SDK boundary: nothing outside this package talks to Docker."""
