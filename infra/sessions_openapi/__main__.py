"""``python -m sessions_openapi [--write | --check]``: see the package's docstring."""

from sessions_openapi import main

if __name__ == "__main__":
    raise SystemExit(main())
