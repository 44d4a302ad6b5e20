"""Use cases: the one way every transport (REST, feeders, admin) reaches the domain."""
