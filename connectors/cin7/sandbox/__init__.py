"""A faithful stand-in for Cin7 Core's REST API v2: a store of accounts and a loopback HTTP server."""

from .limits import FaultConfig, ThrottleConfig
from .server import CallRecord, Cin7Sandbox
from .store import Cin7Account, Cin7Store
from .webhooks import DeliveryRecord, DeliveryTiming

__all__ = [
    "CallRecord",
    "Cin7Account",
    "Cin7Sandbox",
    "Cin7Store",
    "DeliveryRecord",
    "DeliveryTiming",
    "FaultConfig",
    "ThrottleConfig",
]
