"""The audit log's pages: the auditor's search and export, and its read-only back office view.
The log itself (recording, tracking, append-only triggers) is the `audit` package."""
