"""Sync: the wire protocol, the laptop-side client and the central server."""
