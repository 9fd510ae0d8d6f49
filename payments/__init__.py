"""Mera's `payments` package: filled by a later issue (see README, "Status")."""

__all__: list[str] = []
