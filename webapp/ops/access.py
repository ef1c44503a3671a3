"""Who may read /healthz, /readyz and /metrics without signing in: the addresses an administrator lists in
EGOV_OPS_ALLOW (comma-separated addresses or networks, default the machine itself). Signed-in
administrators may read them from anywhere."""
import ipaddress
import os

DEFAULT = "127.0.0.1/32,::1/128"


def allowed_networks(value=None):
    text = value if value is not None else os.environ.get("EGOV_OPS_ALLOW", DEFAULT)
    networks = []
    for part in text.split(","):
        part = part.strip()
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))  # a typo fails at start, not silently
    return tuple(networks)


def address_allowed(address, networks):
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks if net.version == ip.version)
