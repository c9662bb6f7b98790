"""``python -m desktop_search`` runs the command-line front end."""

from desktop_search.cli import main

raise SystemExit(main())
