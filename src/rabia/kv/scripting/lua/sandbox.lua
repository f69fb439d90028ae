-- The sandbox: the globals a script sees, read-only as in Redis 7.0, and the base
-- functions that must behave the same on every replica.
--
-- Called once per runtime with the kernel table K (K.G0: the runtime's own globals,
-- where the libraries were installed; K.py: the Python callbacks). Leaves in K what the
-- other kernel chunks use: K.ENV (the script's _G), K.G (what it reads through), K.REAL
-- and K.tostring. Every function here is compiled as the chunk "=rabia": the error
-- handler skips those frames to find the script's line.
local K = ...
local G0 = K.G0
local error0, type0, select0, tostring0, tonumber0 = G0.error, G0.type, G0.select, G0.tostring,
  G0.tonumber
local next0, rawget0, rawset0, pcall0 = G0.next, G0.rawget, G0.rawset, G0.pcall
local setmetatable0, getmetatable0 = G0.setmetatable, G0.getmetatable
local loadstring0, setfenv0 = G0.loadstring, G0.setfenv
local string0, table0, math0, coroutine0, debug0 = G0.string, G0.table, G0.math, G0.coroutine,
  G0.debug
local format, byte, concat, floor = string0.format, string0.byte, table0.concat, math0.floor
local rawmetatable = debug0.getmetatable
local py = K.py

local REAL = {}  -- read-only proxy -> the table it shows
local FAKE = {}  -- read-only proxy -> what getmetatable answers (false: nil)
K.REAL = REAL

local function refuse()
  error0('Attempt to modify a readonly table', 2)
end

-- A read-only view of `real`: reads go through, writes fail as in Redis 7.0.
local function readonly(real, fake)
  local proxy = setmetatable0({}, {__index = real, __newindex = refuse, __metatable = false})
  REAL[proxy] = real
  FAKE[proxy] = fake or false
  return proxy
end
K.readonly = readonly

local function arg_error(n, name, expected, ...)
  local got = select0('#', ...) == 0 and 'no value' or type0((...))
  error0(format("bad argument #%d to '%s' (%s expected, got %s)", n, name, expected, got), 3)
end

-- Globals: G holds them; scripts see ENV, an empty read-only proxy over G. Reading a
-- missing global is an error, as in Redis 7.0.
local G = {}
setmetatable0(G, {__index = function(_, name)
  error0("Script attempted to access nonexistent global variable '" .. K.tostring(name) .. "'", 2)
end})
local ENV = readonly(G, nil)
FAKE[ENV] = readonly({__index = getmetatable0(G).__index})
K.G, K.ENV = G, ENV

-- tostring: tables, functions, threads and userdata are named by the order in which the
-- script first printed them, not by their address (which differs between replicas).
local ids, count
K.reset_ids = function() ids = nil end
local function tostring_(...)
  local v = ...
  local kind = type0(v)
  if kind ~= 'table' and kind ~= 'function' and kind ~= 'thread' and kind ~= 'userdata' then
    if select0('#', ...) == 0 then arg_error(1, 'tostring', 'value') end
    return tostring0(v)
  end
  local mt = rawmetatable(v)
  if mt ~= nil and rawget0(mt, '__tostring') ~= nil then return tostring0(v) end
  if ids == nil then ids, count = setmetatable0({}, {__mode = 'k'}), 0 end
  local id = ids[v]
  if id == nil then
    count = count + 1
    id = count
    ids[v] = id
  end
  return format('%s: 0x%08x', kind, id)
end
K.tostring = tostring_

local function pairs_(...)
  local t = ...
  local real = REAL[t]
  if real ~= nil then return next0, real, nil end
  if type0(t) ~= 'table' then arg_error(1, 'pairs', 'table', ...) end
  return next0, t, nil
end

local function next_(...)
  local t, k = ...
  local real = REAL[t]
  if real ~= nil then return next0(real, k) end
  if type0(t) ~= 'table' then arg_error(1, 'next', 'table', ...) end
  return next0(t, k)
end

local function rawget_(...)
  local t, k = ...
  if type0(t) ~= 'table' then arg_error(1, 'rawget', 'table', ...) end
  return rawget0(REAL[t] or t, k)
end

local function rawset_(...)
  local t, k, v = ...
  if REAL[t] ~= nil then error0('Attempt to modify a readonly table', 0) end
  if type0(t) ~= 'table' then arg_error(1, 'rawset', 'table', ...) end
  return rawset0(t, k, v)
end

local function setmetatable_(...)
  local t, mt = ...
  if REAL[t] ~= nil then error0('Attempt to modify a readonly table', 0) end
  if type0(t) ~= 'table' then arg_error(1, 'setmetatable', 'table', ...) end
  if mt ~= nil and type0(mt) ~= 'table' then arg_error(2, 'setmetatable', 'nil or table', mt) end
  return setmetatable0(t, mt)
end

local function getmetatable_(...)
  local t = ...
  local fake = FAKE[t]
  if fake ~= nil then return fake or nil end
  if select0('#', ...) == 0 then arg_error(1, 'getmetatable', 'value') end
  return getmetatable0(t)
end

-- pcall: an error that is a table with an `err` string (what redis.call raises) comes
-- back as that string, as Redis 7.0's pcall does.
local function caught(ok, ...)
  if ok then return true, ... end
  local e = ...
  if type0(e) == 'table' and REAL[e] == nil then
    local message = e.err
    local kind = type0(message)
    if kind == 'string' or kind == 'number' then return false, message end
  end
  return false, ...
end
local function pcall_(...)
  if select0('#', ...) == 0 then arg_error(1, 'pcall', 'value') end
  return caught(pcall0(...))
end

-- Code loaded by a script is text only (a binary chunk fails to parse, as in Redis 7.0)
-- and runs in the script's globals.
local function load_text(text, name)
  local code = text
  if byte(text, 1) == 27 then code = ' ' .. text end
  local f, err = loadstring0(code, name)
  if f == nil then return nil, err end
  setfenv0(f, ENV)
  return f
end
K.load_text = load_text

local function loadstring_(...)
  local text, name = ...
  if type0(text) == 'number' then text = tostring0(text) end
  if type0(text) ~= 'string' then arg_error(1, 'loadstring', 'string', ...) end
  if name == nil then name = text end
  return load_text(text, tostring_(name))
end

local function load_(...)
  local reader, name = ...
  if type0(reader) ~= 'function' then arg_error(1, 'load', 'function', ...) end
  local parts, n = {}, 0
  while true do
    local ok, piece = pcall0(reader)
    if not ok then return nil, piece end
    if piece == nil or piece == '' then break end
    if type0(piece) ~= 'string' then return nil, 'reader function must return a string' end
    n = n + 1
    parts[n] = piece
  end
  return load_text(concat(parts), name == nil and '=(load)' or tostring_(name))
end

-- Coroutines: each new one gets the instruction budget's hook (K.hook_thread); a hook
-- is per thread in Lua 5.1.
local co_create, co_resume = coroutine0.create, coroutine0.resume
local function create_(...)
  local f = ...
  if type0(f) ~= 'function' then arg_error(1, 'create', 'Lua function', ...) end
  local co = co_create(f)
  K.hook_thread(co)
  return co
end
local function resumed(ok, ...)
  if ok then return ... end
  error0((...), 2)
end
local function wrap_(...)
  local co = create_(...)
  return function(...) return resumed(co_resume(co, ...)) end
end
local coroutine_ = {
  create = create_, wrap = wrap_, resume = co_resume, yield = coroutine0.yield,
  status = coroutine0.status, running = coroutine0.running,
}

-- math.random draws from a generator seeded by the log entry (K.py.random/seed): the
-- same numbers on every replica.
local py_random, py_seed = py.random, py.seed
local function checkint(v, n, name)
  local x = tonumber0(v)
  if x == nil then
    error0(format("bad argument #%d to '%s' (number expected, got %s)", n, name, type0(v)), 3)
  end
  if x ~= x or x >= 2147483648 or x < -2147483648 then return -2147483648 end
  return x >= 0 and floor(x) or -floor(-x)
end
local function random_(...)
  local n = select0('#', ...)
  local r = py_random()
  if n == 0 then return r end
  if n == 1 then
    local u = checkint((...), 1, 'random')
    if u < 1 then error0("bad argument #1 to 'random' (interval is empty)", 2) end
    return floor(r * u) + 1
  end
  if n == 2 then
    local l, u = ...
    l, u = checkint(l, 1, 'random'), checkint(u, 2, 'random')
    if l > u then error0("bad argument #2 to 'random' (interval is empty)", 2) end
    return floor(r * (u - l + 1)) + l
  end
  error0('wrong number of arguments', 2)
end
local function randomseed_(...)
  py_seed(checkint((...), 1, 'randomseed'))
end
local math_ = {}
for k, v in next0, math0 do math_[k] = v end
math_.random, math_.randomseed = random_, randomseed_

-- The collector's figures differ between replicas: scripts see constants, and a script
-- cannot stop or drive the collector.
local GC_OPTIONS = {
  collect = 0, count = 0, step = false, stop = 0, restart = 0, setpause = 200, setstepmul = 200,
}
local function collectgarbage_(option)
  if option == nil then option = 'collect' end
  local answer = GC_OPTIONS[option]
  if answer == nil then
    error0(format("bad argument #1 to 'collectgarbage' (invalid option '%s')", tostring_(option)), 2)
  end
  return answer
end

G._G = ENV
G._VERSION = G0._VERSION
G.assert, G.error, G.ipairs, G.select = G0.assert, error0, G0.ipairs, select0
G.tonumber, G.type, G.unpack, G.xpcall, G.rawequal = tonumber0, type0, G0.unpack, G0.xpcall,
  G0.rawequal
G.tostring, G.pairs, G.next, G.rawget, G.rawset = tostring_, pairs_, next_, rawget_, rawset_
G.setmetatable, G.getmetatable, G.pcall = setmetatable_, getmetatable_, pcall_
G.loadstring, G.load = loadstring_, load_
G.collectgarbage, G.gcinfo = collectgarbage_, function() return 0 end
G.string = readonly(string0)
G.table = readonly(table0)
G.math = readonly(math_)
G.coroutine = readonly(coroutine_)
for _, name in next0, {'bit', 'cjson', 'cmsgpack', 'struct'} do
  local lib = rawget0(G0, name)
  if type0(lib) == 'table' then G[name] = readonly(lib) end
end

-- The string metatable (("x"):upper()) shows the read-only string table, and cannot be
-- changed: getmetatable('') answers a read-only view of it.
local string_mt = getmetatable0('')
string_mt.__index = string0
string_mt.__metatable = readonly({__index = G.string})
