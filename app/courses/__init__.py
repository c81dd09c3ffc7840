"""Course packages: reading and validating them, importing them, and querying what is stored."""
