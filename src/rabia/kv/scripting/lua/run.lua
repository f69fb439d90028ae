-- Running a script: the instruction budget (a count hook), the error handler that finds
-- the script's line, and the conversion of what the script returns into a RESP2 reply.
--
-- K.run(f, sha, budget, ...) is called by Python once per script; it answers the reply's
-- bytes. When the budget runs out, the hook raises on every instruction from then on (in
-- every coroutine too), so no pcall can keep the script going: the error reaches Python,
-- which reads K.state (exhausted, and where). K.compile compiles a script.
local K = ...
local G0 = K.G0
local error0, type0, tostring0, rawget0, rawset0 = G0.error, G0.type, G0.tostring, G0.rawget,
  G0.rawset
local xpcall0, pcall0, next0 = G0.xpcall, G0.pcall, G0.next
local format, gsub, sub, concat = G0.string.format, G0.string.gsub, G0.string.sub, G0.table.concat
local getinfo, sethook = G0.debug.getinfo, G0.debug.sethook
local REAL, G = K.REAL, K.G
local tostring_ = K.tostring

local CHUNK = 10000      -- instructions between two calls of the hook in the main thread
local NEW_THREAD = 1000  -- charged for each coroutine (a hook count lost when it dies)
local state = {exhausted = false, source = nil, line = nil}
K.state = state
local left = 0

-- The first frame of the script's own code from `level` up (not C, not this kernel, not
-- the libraries: every chunk of ours is named `=rabia...`).
local function script_frame(level)
  while true do
    local info = getinfo(level, 'Sl')
    if info == nil then return nil end
    local what = info.what
    if what ~= 'C' and what ~= 'tail' and sub(info.source, 1, 6) ~= '=rabia' then return info end
    level = level + 1
  end
end

local hook
local function exhaust()
  if not state.exhausted then
    state.exhausted = true
    local info = script_frame(4)
    if info ~= nil then state.source, state.line = info.source, info.currentline end
  end
  sethook(hook, '', 1)
  error0('Script exceeded its instruction budget', 0)
end
hook = function()
  left = left - CHUNK
  if left <= 0 or state.exhausted then exhaust() end
end

K.hook_thread = function(co)
  left = left - NEW_THREAD
  if left <= 0 or state.exhausted then
    sethook(co, hook, '', 1)
    exhaust()
  end
  sethook(co, hook, '', CHUNK)
end

-- Redis 7.0's error object: a table {err = message, source = ..., line = ...}; anything
-- else raised becomes {err = 'ERR ' .. tostring(value)}.
local function handler(e)
  local info = script_frame(3)
  if REAL[e] ~= nil then e = {} end
  if type0(e) ~= 'table' then e = {err = 'ERR ' .. tostring_(e)} end
  if info ~= nil then
    rawset0(e, 'source', info.source)
    rawset0(e, 'line', info.currentline)
  end
  return e
end
G.__redis__err__handler = handler

local function clean(text)
  return (gsub(text, '[\r\n]', ' '))
end

local INT64_MIN = '-9223372036854775808'
local function integer(n)
  if n ~= n or n >= 9223372036854775808 or n < -9223372036854775808 then return INT64_MIN end
  return format('%d', n)
end

local MAX_DEPTH = 7995  -- tables nested deeper answer this error, as Redis 7.0's do

-- Appends the RESP2 form of `v` (at `depth` tables down) to out[n + 1 ...]; answers the
-- new n. Fields are read raw: no metamethod of the script runs here.
local function encode(v, out, n, depth)
  local kind = type0(v)
  if kind == 'string' then
    out[n + 1] = '$' .. #v .. '\r\n'
    out[n + 2] = v
    out[n + 3] = '\r\n'
    return n + 3
  elseif kind == 'number' then
    out[n + 1] = ':' .. integer(v) .. '\r\n'
    return n + 1
  elseif kind == 'boolean' then
    out[n + 1] = v and ':1\r\n' or '$-1\r\n'
    return n + 1
  elseif kind ~= 'table' then
    out[n + 1] = '$-1\r\n'
    return n + 1
  elseif depth >= MAX_DEPTH then
    out[n + 1] = '-ERR reached lua stack limit\r\n'
    return n + 1
  end
  local field = rawget0(v, 'err')
  if type0(field) == 'string' then
    out[n + 1] = '-' .. clean(field) .. '\r\n'
    return n + 1
  end
  field = rawget0(v, 'ok')
  if type0(field) == 'string' then
    out[n + 1] = '+' .. clean(field) .. '\r\n'
    return n + 1
  end
  field = rawget0(v, 'double')
  if type0(field) == 'number' then return encode(format('%.17g', field), out, n, depth) end
  field = rawget0(v, 'big_number')
  if type0(field) == 'string' then return encode(field, out, n, depth) end
  field = rawget0(v, 'verbatim_string')
  if type0(field) == 'table' then return encode(rawget0(field, 'string'), out, n, depth) end
  local header, count = n + 1, 0
  n = header
  field = rawget0(v, 'map')
  if type0(field) == 'table' then
    for key, value in next0, field do
      n = encode(value, out, encode(key, out, n, depth + 1), depth + 1)
      count = count + 2
    end
  else
    field = rawget0(v, 'set')
    if type0(field) == 'table' then
      for key in next0, field do
        n = encode(key, out, n, depth + 1)
        count = count + 1
      end
    else
      local item = rawget0(v, 1)
      while item ~= nil do
        n = encode(item, out, n, depth + 1)
        count = count + 1
        item = rawget0(v, count + 1)
      end
    end
  end
  out[header] = '*' .. count .. '\r\n'
  return n
end

local function reply_of(v)
  local kind = type0(v)
  if kind == 'string' then return '$' .. #v .. '\r\n' .. v .. '\r\n' end
  if kind == 'number' then return ':' .. integer(v) .. '\r\n' end
  if kind == 'table' then  -- a status or an error (redis.call's): no buffer needed
    local field = rawget0(v, 'err')
    if type0(field) == 'string' then return '-' .. clean(field) .. '\r\n' end
    field = rawget0(v, 'ok')
    if type0(field) == 'string' then return '+' .. clean(field) .. '\r\n' end
  end
  local out = {}
  encode(v, out, 0, 0)
  return concat(out)
end

local NO_MESSAGE = "ERR the script raised a table with no 'err' string"

-- The reply for an error object: its message, then where the script raised it.
local function error_of(e, sha)
  local message = rawget0(e, 'err')
  local kind = type0(message)
  if kind ~= 'string' and kind ~= 'number' then message = NO_MESSAGE end
  local text = '-' .. message
  local source, line = rawget0(e, 'source'), rawget0(e, 'line')
  if source ~= nil and line ~= nil then
    text = text .. ' script: ' .. sha .. ', on ' .. tostring_(source) .. ':' .. tostring_(line) .. '.'
  end
  return clean(text) .. '\r\n'
end

-- Runs a script: answers its reply, or nil and Lua's message when Lua itself failed
-- (out of memory; an error while handling an error). KEYS and ARGV come as tables, or
-- (keys false) as the `count` arguments after `numkeys`: fewer calls from Python.
local select0 = G0.select
local py_bound = K.py.bound
K.run = function(f, sha, budget, keys, argv, numkeys, ...)
  py_bound()
  if not keys then
    keys, argv = {}, {}
    local n = select0('#', ...)
    if n > 0 then
      local all = {...}
      for i = 1, numkeys do keys[i] = all[i] end
      for i = numkeys + 1, n do argv[i - numkeys] = all[i] end
    end
  end
  rawset0(G, 'KEYS', keys)
  rawset0(G, 'ARGV', argv)
  K.reset_ids()
  state.exhausted, state.source, state.line = false, nil, nil
  left = budget
  sethook(hook, '', CHUNK)
  local ok, value = xpcall0(f, handler)
  local reply, failure
  if ok then
    ok, reply = pcall0(reply_of, value)
    if not ok then failure = tostring_(reply) end
  elseif type0(value) == 'table' then
    reply = error_of(value, sha)
  else
    failure = tostring_(value)
  end
  sethook()
  rawset0(G, 'KEYS', nil)
  rawset0(G, 'ARGV', nil)
  if state.exhausted then return nil, 'budget' end  -- in a coroutine the main thread missed
  if failure ~= nil then return nil, failure end
  return reply
end

-- A script's function and its dump (for bytecode.untail), or nil and Lua's message.
local dump = G0.string.dump
K.compile = function(body)
  py_bound()
  local f, err = K.load_text(body, '@user_script')
  if f == nil then return nil, err end
  return f, dump(f)
end

-- The function of a patched dump of K.compile's (binary: only ever ours).
local loadstring0, setfenv0, ENV = G0.loadstring, G0.setfenv, K.ENV
K.load_patched = function(code)
  local f = loadstring0(code, '=patched')
  if f ~= nil then setfenv0(f, ENV) end
  return f
end
