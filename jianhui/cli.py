"""The `jianhui` console script: everything goes to Django's management commands.

`jianhui load-demo` is spelled with a hyphen on the command line; management command
modules need underscores, so hyphens in the subcommand are translated.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["jianhui", *args])


if __name__ == "__main__":
    main()
