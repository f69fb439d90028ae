-- The `redis` table of the scripts: call and pcall (through the Python callback that runs
-- a command, K.py.call), the reply helpers, logging, and what Redis 7.0 keeps for old
-- scripts (set_repl, replicate_commands, breakpoint, debug) as no-ops.
--
-- Errors these functions raise are tables {err = "CODE message"}, as Redis's are: the
-- error handler adds the script's line, and pcall turns them into their message.
local K = ...
local G0 = K.G0
local error0, type0, select0, tostring0, tonumber0 = G0.error, G0.type, G0.select, G0.tostring,
  G0.tonumber
local byte, sub, find, concat = G0.string.byte, G0.string.sub, G0.string.find, G0.table.concat
local floor = G0.math.floor
local py = K.py
local py_call, py_log, py_sha1hex, py_setresp, py_known = py.call, py.log, py.sha1hex,
  py.setresp, py.known
local py_bound = py.bound  -- the memory bound again, once Python's values are in Lua

-- py_call answers (kind, value): 0 a value as is, 1 a status, 2 an error of the command
-- (or of the checks before it), 3 an error in the arguments of the call itself.
local function call(...)
  local kind, value = py_call(...)
  py_bound()
  if kind == 0 then return value end
  if kind == 1 then return {ok = value} end
  if kind == 2 then error0({err = value, ignore_error_stats_update = true}) end
  error0({err = value})
end

local function pcall_(...)
  local kind, value = py_call(...)
  py_bound()
  if kind == 0 then return value end
  if kind == 1 then return {ok = value} end
  if kind == 2 then return {err = value, ignore_error_stats_update = true} end
  return {err = value}
end

local WRONG = 'ERR wrong number or type of arguments'

local function error_reply(...)
  local message = ...
  if select0('#', ...) ~= 1 or type0(message) ~= 'string' then
    return {err = WRONG}
  end
  if byte(message, 1) == 45 then message = sub(message, 2) end  -- a leading '-'
  if not find(message, ' ', 1, true) then message = 'ERR ' .. message end
  return {err = message}
end

local function status_reply(...)
  local message = ...
  if select0('#', ...) ~= 1 or type0(message) ~= 'string' then
    return {err = WRONG}
  end
  return {ok = message}
end

-- Lua's lua_tolstring: strings and numbers are text, anything else is nothing.
local function text_of(v)
  local kind = type0(v)
  if kind == 'string' then return v end
  if kind == 'number' then return tostring0(v) end
  return nil
end

local function sha1hex(...)
  if select0('#', ...) ~= 1 then error0({err = 'ERR wrong number of arguments'}) end
  local hex = py_sha1hex(text_of((...)) or '')
  py_bound()
  return hex
end

local function log(...)
  local n = select0('#', ...)
  if n < 2 then error0({err = 'ERR redis.log() requires two arguments or more.'}) end
  local level = tonumber0((...))
  if level == nil then error0({err = 'ERR First argument must be a number (log level).'}) end
  if level < 0 or level > 3 then error0({err = 'ERR Invalid debug level.'}) end
  local parts, count = {}, 0
  for i = 2, n do
    local piece = text_of((select0(i, ...)))
    if piece ~= nil then
      count = count + 1
      parts[count] = piece
    end
  end
  py_log(floor(level), concat(parts, ' '))
end

local function setresp(...)
  if select0('#', ...) ~= 1 then error0({err = 'ERR redis.setresp() requires one argument.'}) end
  local version = tonumber0((...))
  if version ~= 2 and version ~= 3 then error0({err = 'ERR RESP version must be 2 or 3.'}) end
  py_setresp(version)
end

local function set_repl(...)
  if select0('#', ...) ~= 1 then error0({err = 'ERR redis.set_repl() requires two arguments.'}) end
  local flags = tonumber0((...)) or 0
  if flags ~= floor(flags) or flags < 0 or flags > 3 then
    error0({err = 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or '
      .. 'REPL_NONE.'})
  end
end

local function acl_check_cmd(...)
  local n = select0('#', ...)
  if n == 0 then
    error0({err = 'ERR Please specify at least one argument for this redis lib call'})
  end
  for i = 1, n do
    if text_of((select0(i, ...))) == nil then
      error0({err = 'ERR Lua redis lib command arguments must be strings or integers'})
    end
  end
  if not py_known(text_of((...))) then
    error0({err = 'ERR Invalid command passed to redis.acl_check_cmd()'})
  end
  return true
end

K.G.redis = K.readonly({
  call = call,
  pcall = pcall_,
  error_reply = error_reply,
  status_reply = status_reply,
  sha1hex = sha1hex,
  log = log,
  setresp = setresp,
  set_repl = set_repl,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function() end,
  acl_check_cmd = acl_check_cmd,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = K.version,
  REDIS_VERSION_NUM = K.version_num,
})
