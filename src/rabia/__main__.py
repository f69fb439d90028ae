"""``python -m rabia`` is the ``rabia`` command."""

from rabia.cli import main

main()
