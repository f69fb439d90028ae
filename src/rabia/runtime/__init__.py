"""The asyncio runtime: a ``Node`` drives a ``Replica`` over a transport."""

from rabia.runtime.config import NodeConfig
from rabia.runtime.node import Node

__all__ = ["Node", "NodeConfig"]
