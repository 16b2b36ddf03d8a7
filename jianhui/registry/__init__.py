"""The registry's pages: enterprises, union organisations and members (lists, detail pages,
edit forms, exports, reveal) and their back office. The rules they apply are the domain's."""
