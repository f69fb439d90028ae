"""Where a node keeps what the protocol must not forget: records on disk or in memory."""

from rabia.storage.base import Durability, Storage, StorageStats
from rabia.storage.errors import StorageCorrupted
from rabia.storage.lock import DataDirInUse, DataDirLock
from rabia.storage.memory import MemoryStorage
from rabia.storage.sqlite import SqliteStorage

__all__ = [
    "DataDirInUse",
    "DataDirLock",
    "Durability",
    "MemoryStorage",
    "SqliteStorage",
    "Storage",
    "StorageCorrupted",
    "StorageStats",
]
