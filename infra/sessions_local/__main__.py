"""``python -m sessions_local``: the same as the ``sessions-local`` command."""

from sessions_local.cli import main

raise SystemExit(main())
