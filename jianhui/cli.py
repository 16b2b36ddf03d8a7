"""The `jianhui` console script: everything goes to Django's management commands.

`jianhui load-demo` is spelled with a hyphen on the command line; management command
modules need underscores, so hyphens in the subcommand are translated. `jianhui` alone (or
`jianhui help`) lists the commands in Chinese.
"""

from __future__ import annotations

import os
import sys

# The order the README's command table follows.
ORDER = ["demo", "init", "serve", "import", "stats", "stats_rebuild", "progress", "bulletin",
         "assess", "load_demo", "users", "backup", "restore", "rotate_keys", "audit_purge",
         "audit_verify"]


def overview() -> str:
    """Our commands with the first sentence of their help, then Django's by name."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    ours = sorted((n for n, app in commands.items() if app.startswith("jianhui")),
                  key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    lines = ["建会 Jianhui 命令行。用法：jianhui 命令 [选项]；查看某条命令的说明：jianhui 命令 --help", "",
             "本系统的命令："]
    for name in ours:
        text = load_command_class(commands[name], name).help.split("。")[0]
        lines.append(f"  {name.replace('_', '-'):<13} {text}")
    others = sorted(n for n, app in commands.items() if not app.startswith("jianhui"))
    lines += ["", "其他 Django 管理命令（说明为英文）：", "  " + "、".join(others)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args in (["help"], ["-h"], ["--help"]):
        print(overview())
        return
    if not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    if args[0] == "help" and len(args) > 1:  # jianhui help load-demo
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(["jianhui", *args])


if __name__ == "__main__":
    main()
