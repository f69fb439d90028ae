"""``return redis.call(...)`` keeps the script's frame: a patch of compiled Lua 5.1.

In Redis, ``redis.call`` is a C function, and Lua runs a tail call to a C function as an
ordinary call: the script's frame stays, and an error raised by the call names the
script's line (``... script: <sha>, on @user_script:3.``). Here the ``redis`` functions,
and the few base functions the sandbox wraps (``pairs``, ``tostring``...), are Lua
functions, and a real tail call would replace the script's frame. So a compiled script
is dumped, each ``TAILCALL`` whose callee was just read as one of those (a global in
``GLOBALS``, or ``<global>.<constant key>`` in ``FIELDS``) becomes ``CALL`` (it is
followed by ``RETURN A 0``, which returns every result, so nothing else changes), and the
patched chunk is loaded back. Tail calls to anything else are left alone.

Only the opcodes of those instructions change: the dump is parsed to find its code
arrays (the format of lua_dump in Lua 5.1: header, then each function's source, line
range, sizes, code, constants, nested functions and debug information), and its length
and everything else stay as they are. A dump this module does not understand is left
unpatched.
"""

from __future__ import annotations

import struct

FIELDS = {
    b"redis": frozenset(
        [b"call", b"pcall", b"sha1hex", b"log", b"setresp", b"set_repl", b"acl_check_cmd"]
    ),
    b"math": frozenset([b"random", b"randomseed"]),
    b"coroutine": frozenset([b"create", b"wrap"]),
    b"cjson": frozenset(
        b"encode decode new encode_keep_buffer encode_sparse_array encode_max_depth"
        b" decode_max_depth encode_number_precision encode_invalid_numbers"
        b" decode_invalid_numbers".split()
    ),
    b"cmsgpack": frozenset([b"pack", b"unpack", b"unpack_one", b"unpack_limit"]),
    b"bit": frozenset(
        b"tobit tohex bnot bswap band bor bxor lshift rshift arshift rol ror".split()
    ),
    b"struct": frozenset([b"pack", b"unpack", b"size"]),
}
"""Functions, by table, that are C functions in Redis and Lua functions here."""
GLOBALS = frozenset(
    [b"pairs", b"next", b"rawget", b"rawset", b"setmetatable", b"getmetatable", b"tostring"]
) | {b"pcall", b"loadstring", b"load", b"collectgarbage", b"gcinfo"}
"""Global functions that are C functions in Redis and Lua functions here."""

GETGLOBAL, GETTABLE, CALL, TAILCALL = 5, 6, 28, 29
WRITERS = frozenset([0, 1, 2, 3, 4, 5, 6, 10, 11, *range(12, 22), 27, 28, 36, 37])
"""Opcodes whose A operand is a register they write (MOVE, LOADK, LOADBOOL, LOADNIL,
GETUPVAL, GETGLOBAL, GETTABLE, NEWTABLE, SELF, arithmetic to CONCAT, TESTSET, CALL,
CLOSURE, VARARG)."""

HEADER = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00"
"""Lua 5.1, official format, little endian, int 4, size_t 8, Instruction 4, double."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = len(HEADER)

    def integer(self) -> int:
        (value,) = struct.unpack_from("<i", self.data, self.pos)
        self.pos += 4
        return int(value)

    def size(self) -> int:
        (value,) = struct.unpack_from("<Q", self.data, self.pos)
        self.pos += 8
        return int(value)

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def string(self) -> bytes | None:
        size = self.size()
        if size == 0:
            return None
        text = self.data[self.pos : self.pos + size - 1]
        self.pos += size
        return text


def untail(dump: bytes) -> bytes | None:
    """``dump`` with the tail calls of ``redis.*`` made ordinary calls; None when there
    is none (or the dump is not one this module reads)."""
    if not dump.startswith(HEADER):
        return None
    patched = bytearray(dump)
    try:
        count = _function(_Reader(dump), patched)
    except (struct.error, IndexError, ValueError):
        return None
    return bytes(patched) if count else None


def _function(reader: _Reader, patched: bytearray) -> int:
    """Parse one function (and its nested ones), patching ``patched``; how many calls
    were patched."""
    reader.string()  # source
    reader.integer()  # line defined
    reader.integer()  # last line defined
    reader.pos += 4  # upvalues, parameters, is_vararg, max stack size
    size = reader.integer()
    code_at = reader.pos
    code = list(struct.unpack_from(f"<{size}I", reader.data, code_at))
    reader.pos += 4 * size
    constants: list[object] = []
    for _ in range(reader.integer()):
        kind = reader.byte()
        if kind == 0:
            constants.append(None)
        elif kind == 1:
            constants.append(reader.byte())
        elif kind == 3:
            reader.pos += 8
            constants.append(0.0)
        elif kind == 4:
            constants.append(reader.string())
        else:
            raise ValueError(f"constant of type {kind}")
    count = 0
    for pc, instruction in enumerate(code):
        if instruction & 0x3F == TAILCALL and _calls_wrapped(code, pc, constants):
            struct.pack_into("<I", patched, code_at + 4 * pc, (instruction & ~0x3F) | CALL)
            count += 1
    for _ in range(reader.integer()):
        count += _function(reader, patched)
    lines = reader.integer()  # line info (read before moving: `pos += integer()` would lose it)
    reader.pos += 4 * lines
    for _ in range(reader.integer()):  # local variables
        reader.string()
        reader.pos += 8
    for _ in range(reader.integer()):  # upvalue names
        reader.string()
    return count


def _writer(code: list[int], pc: int, register: int) -> int | None:
    """The last instruction before ``pc`` that writes ``register`` (None: none)."""
    for at in range(pc - 1, -1, -1):
        instruction = code[at]
        if instruction & 0x3F in WRITERS and (instruction >> 6) & 0xFF == register:
            return at
    return None


def _calls_wrapped(code: list[int], pc: int, constants: list[object]) -> bool:
    """Whether the callee of the call at ``pc`` was read as one of ``GLOBALS`` or
    ``FIELDS``."""
    at = _writer(code, pc, (code[pc] >> 6) & 0xFF)
    if at is None:
        return False
    if code[at] & 0x3F == GETGLOBAL:
        return constants[code[at] >> 14] in GLOBALS
    if code[at] & 0x3F != GETTABLE:
        return False
    table, key = code[at] >> 23, (code[at] >> 14) & 0x1FF
    if not key & 0x100:
        return False
    at = _writer(code, at, table)
    if at is None or code[at] & 0x3F != GETGLOBAL:
        return False
    table_name = constants[code[at] >> 14]
    names = FIELDS.get(table_name) if isinstance(table_name, bytes) else None
    return names is not None and constants[key & 0xFF] in names
