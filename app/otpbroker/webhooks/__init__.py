"""Adapter: the webhooks' network side (name resolution and the HTTP POST, standard
library only). The rules and the queues are ``services.webhook_delivery``'s."""
