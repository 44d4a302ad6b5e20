"""Dynamic DNS adapters: one client per provider, and the public-address finder.

Each client speaks its provider's documented API over the standard library's HTTP client
(TLS verified, a time-out on every request, a descriptive User-Agent). Base URLs can be
changed per account so tests point the clients at loopback fakes.
"""

from otpbroker.ddns.providers import PROVIDERS, provider_for
from otpbroker.ddns.public_ip import PublicAddressFinder

__all__ = ["PROVIDERS", "PublicAddressFinder", "provider_for"]
