"""``python -m sessions_openapi [--write]``: see the package's docstring."""

import sys

from sessions_openapi import main

main(sys.argv[1:])
