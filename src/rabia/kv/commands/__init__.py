"""The KV store's commands: one module per kind, each its handlers and its table rows
(``ROWS``), gathered in ``rabia.kv.commands.table``."""
