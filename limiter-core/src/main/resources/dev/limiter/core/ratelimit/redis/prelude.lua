-- The start of every script of the Redis store (LuaScript puts it before the algorithm's own part): the instant and
-- the arguments all algorithms take. ARGV[1] now (µs, or '' for Redis TIME), ARGV[2] permits, ARGV[3] the spec's id
-- (kept in the key's hash as field k; another id there means the state belongs to another spec).
local now = ARGV[1]
if now == '' then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
	now = tonumber(now)
end
local permits = tonumber(ARGV[2])
local id = ARGV[3]
