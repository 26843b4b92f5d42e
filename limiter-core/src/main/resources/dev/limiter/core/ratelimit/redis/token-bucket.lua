-- Token bucket, exact in integer microseconds (a port of TokenBucketAlgorithm; every value stays below 2^53).
-- KEYS[1] the key's hash. ARGV: now (µs, or '' for Redis TIME), permits, spec id, burst, permit units,
-- refill units per µs, capacity in units. Hash: k = spec id, a = tokens (units), b = last (µs), pu/ru/cap = the
-- units of the spec that wrote it. Returns {allowed, remaining, retryAfter µs, resetAfter µs}; -1 = never.
local now = ARGV[1]
if now == '' then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
	now = tonumber(now)
end
local permits = tonumber(ARGV[2])
local id = ARGV[3]
local burst = tonumber(ARGV[4])
local pu = tonumber(ARGV[5])
local ru = tonumber(ARGV[6])
local cap = tonumber(ARGV[7])

local function refill(tokens, last, capacity, units)
	local deficit = capacity - tokens
	if units == 0 or deficit == 0 or now <= last then
		return tokens
	end
	local elapsed = now - last
	if elapsed >= math.ceil(deficit / units) then
		return capacity
	end
	return tokens + elapsed * units
end

local s = redis.call('HMGET', KEYS[1], 'k', 'a', 'b', 'pu', 'ru', 'cap')
local tokens
if s[1] == id then
	tokens = refill(tonumber(s[2]), tonumber(s[3]), cap, ru)
elseif s[1] and string.sub(s[1], 1, 3) == 'tb/' then
	local whole = math.floor(refill(tonumber(s[2]), tonumber(s[3]), tonumber(s[6]), tonumber(s[5])) / tonumber(s[4]))
	if whole >= burst then
		tokens = cap
	else
		tokens = whole * pu
	end
else
	tokens = cap
end

local allowed = 0
local retry = 0
if permits > burst then
	retry = -1
else
	local need = permits * pu
	if tokens >= need then
		tokens = tokens - need
		allowed = 1
	elseif ru == 0 then
		retry = -1
	else
		retry = math.ceil((need - tokens) / ru)
	end
end
local reset = 0
if tokens < cap then
	if ru == 0 then
		reset = -1
	else
		reset = math.ceil((cap - tokens) / ru)
	end
end

if reset == 0 then
	redis.call('DEL', KEYS[1])
else
	redis.call('HSET', KEYS[1], 'k', id, 'a', string.format('%d', tokens), 'b', string.format('%d', now),
		'pu', ARGV[5], 'ru', ARGV[6], 'cap', ARGV[7])
	if reset > 0 then
		redis.call('PEXPIRE', KEYS[1], math.ceil(reset / 1000) + 1)
	else
		redis.call('PERSIST', KEYS[1])
	end
end
return { allowed, math.floor(tokens / pu), retry, reset }
