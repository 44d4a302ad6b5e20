"""One module per admin page; each exposes ``register(app, context)``."""
