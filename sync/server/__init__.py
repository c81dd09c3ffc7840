"""The central Slate server: receives learning events from laptops and stores them.

`create_app(database_url)` (in `sync.server.app`) builds the ASGI application; `slate server`
(in `sync.server.commands`) runs it and administers schools and devices. The wire format lives
in `sync.protocol` and the rules are written down in docs/sync-protocol.md.
"""
