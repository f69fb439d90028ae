"""Lua scripting (EVAL): the Lua runtime, its sandbox and the libraries scripts use."""
