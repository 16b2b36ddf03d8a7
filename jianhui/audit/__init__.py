"""The audit log: who did what, when, from where. Append-only.

Call `jianhui.audit.log.record(...)` for every act worth proving later (reveals, exports,
imports, logins); domain model changes are recorded by signal handlers.
"""
