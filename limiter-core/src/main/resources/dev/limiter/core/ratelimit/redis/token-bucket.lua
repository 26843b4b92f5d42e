-- Token bucket, exact in integer microseconds (a port of TokenBucketAlgorithm; every value stays below 2^53, which
-- Lua numbers and Redis's number-to-string conversion keep exact).
-- KEYS[1] the key's hash. ARGV: now (µs, or '' for Redis TIME), permits, spec id ('tb/limit/period µs/burst'),
-- burst, permit units, refill units per µs, capacity in units, longest key TTL (ms). Hash: k = spec id, a = tokens (units), b = last (µs).
-- Returns {allowed, remaining, retryAfter µs, resetAfter µs}; -1 = never.
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
local maxTtl = tonumber(ARGV[8])

local s = redis.call('HMGET', KEYS[1], 'k', 'a', 'b')
local same = s[1] == id
local tokens
if same then
	tokens = tonumber(s[2])
	local last = tonumber(s[3])
	local deficit = cap - tokens
	if ru > 0 and deficit > 0 and now > last then
		if now - last >= math.ceil(deficit / ru) then
			tokens = cap
		else
			tokens = tokens + (now - last) * ru
		end
	end
elseif s[1] and string.sub(s[1], 1, 3) == 'tb/' then
	-- another token bucket spec: the whole permits it holds now carry over
	local limit, period, oldBurst = string.match(s[1], '^tb/(%d+)/(%d+)/(%d+)$')
	limit = tonumber(limit)
	period = tonumber(period)
	local x, y = limit, period
	while y ~= 0 do
		x, y = y, x % y
	end
	local oldPu = period / x
	local oldRu = limit / x
	local oldCap = tonumber(oldBurst) * oldPu
	local held = tonumber(s[2])
	local last = tonumber(s[3])
	if oldRu > 0 and oldCap > held and now > last then
		if now - last >= math.ceil((oldCap - held) / oldRu) then
			held = oldCap
		else
			held = held + (now - last) * oldRu
		end
	end
	local whole = math.floor(held / oldPu)
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
	-- a full bucket is a fresh one
	redis.call('DEL', KEYS[1])
else
	if same then
		redis.call('HSET', KEYS[1], 'a', tokens, 'b', now)
	else
		redis.call('HSET', KEYS[1], 'k', id, 'a', tokens, 'b', now)
	end
	-- a bucket that never refills (reset -1) is kept as long as any key, then forgotten
	local ttl = maxTtl
	if reset > 0 then
		ttl = math.min(math.ceil(reset / 1000) + 1, maxTtl)
	end
	redis.call('PEXPIRE', KEYS[1], ttl)
end
return { allowed, math.floor(tokens / pu), retry, reset }
