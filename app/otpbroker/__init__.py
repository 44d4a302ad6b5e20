"""OTP Broker: a self-hosted OTP/SMS gateway appliance."""

__version__ = "0.1.0"
