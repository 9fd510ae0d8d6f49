"""``python -m engine.cli`` runs the ``mera`` command."""

from engine.cli import main

main()
