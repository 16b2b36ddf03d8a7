"""Operations: `jianhui backup` and `jianhui restore` (database, key files, attachments)."""
