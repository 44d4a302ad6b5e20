"""Cryptography adapters: libsodium (PyNaCl) behind the domain's sealing port."""
