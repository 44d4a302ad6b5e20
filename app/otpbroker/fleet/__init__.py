"""The fleet's adapters: the shared ledger and heartbeats on Redis/Valkey (the only importer
of the ``redis`` client)."""
