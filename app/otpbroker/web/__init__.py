"""HTTP: the REST API, metrics and (later) the admin, on bottle + cheroot."""
