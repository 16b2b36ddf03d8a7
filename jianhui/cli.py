"""The `jianhui` console script: everything goes to Django's management commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else ["jianhui", *argv])
    argv[0] = "jianhui"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
