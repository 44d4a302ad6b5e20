"""Readers of the device's own state (load, memory, disk, temperature, addresses, uptime).

An adapter: standard library and netifaces only; the composition root hands
:func:`otpbroker.system.status.server_status` to the browser admin.
"""
