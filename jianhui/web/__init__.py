"""The request-level toolkit: reading a request (as_of, pagination, fetching within the
request's Scope), edit pages with optimistic locking, exports, the back office base classes and
the web hardening middleware. Above accounts and audit, below the feature pages."""
