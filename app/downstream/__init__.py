"""Server-authoritative records that come down to the laptop (issue 5): the tables that hold
them and applying a page of them in one transaction. The network half is sync/pull.py."""
