"""Mera's `measures` package: filled by a later issue (see README, "Status")."""

__all__: list[str] = []
