"""``python -m normalize`` is the ``normalize`` command."""
from .cli import main

main(prog_name="normalize")
