"""The user-management pages (/users/): accounts, roles, passwords, locks. The rules they
apply are accounts/services.py."""
