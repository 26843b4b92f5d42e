-- Token bucket, exact in integer microseconds (a port of TokenBucketAlgorithm; every value stays below 2^53, which
-- Lua numbers and Redis's number-to-string conversion keep exact), with leases.
-- KEYS[1] the key's hash. ARGV after prelude.lua's now, permits and spec id ('tb/limit/period µs/burst'):
-- burst, permit units, refill units per µs, capacity in units, longest key TTL (ms); for a lease: the holder's id,
-- permits wanted beyond the request, permits given back from the holder's previous lease (-1 = keep that lease),
-- lease lifetime (µs). Hash: k = spec id, a = tokens (units), b = last (µs), l<id> = 'permits:expiry µs' of a
-- holder's lease. Leased permits are taken from the bucket when leased; while leases are out the bucket refills only
-- up to its capacity minus what they hold, so the bucket and the leases together never hold more than a full
-- bucket (every call honours this, leased or not).
-- Returns {allowed, remaining, retryAfter µs, resetAfter µs}, and for a lease {granted, lifetime µs, 0}; -1 = never.
local burst = tonumber(ARGV[4])
local pu = tonumber(ARGV[5])
local ru = tonumber(ARGV[6])
local cap = tonumber(ARGV[7])
local maxTtl = tonumber(ARGV[8])
local own = nil
local want = 0
local returned = -1
local lifetime = 0
if ARGV[9] then
	own = 'l' .. ARGV[9]
	want = tonumber(ARGV[10])
	returned = tonumber(ARGV[11])
	lifetime = tonumber(ARGV[12])
end

local h = redis.call('HGETALL', KEYS[1])
local k = nil
local a = 0
local b = 0
-- leases: {expiry µs, permits, field}
local leases = {}
for i = 1, #h, 2 do
	local f = h[i]
	if f == 'k' then
		k = h[i + 1]
	elseif f == 'a' then
		a = tonumber(h[i + 1])
	elseif f == 'b' then
		b = tonumber(h[i + 1])
	else
		local n, e = string.match(h[i + 1], '^(%d+):(%d+)$')
		if n then
			leases[#leases + 1] = { tonumber(e), tonumber(n), f }
		end
	end
end
local same = k == id
local tokens
local last = now
if same then
	tokens = a
	last = b
elseif k and string.sub(k, 1, 3) == 'tb/' then
	-- another token bucket spec: the whole permits it holds now carry over
	local limit, period, oldBurst = string.match(k, '^tb/(%d+)/(%d+)/(%d+)$')
	limit = tonumber(limit)
	period = tonumber(period)
	local x, y = limit, period
	while y ~= 0 do
		x, y = y, x % y
	end
	local oldPu = period / x
	local oldRu = limit / x
	local oldCap = tonumber(oldBurst) * oldPu
	local held = a
	if oldRu > 0 and oldCap > held and now > b then
		if now - b >= math.ceil((oldCap - held) / oldRu) then
			held = oldCap
		else
			held = held + (now - b) * oldRu
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
-- the leases still out after now (the holder's own not when it closes it), the fields of those that ended, the
-- refill's ceiling (the capacity minus what the leases out hold), and the time until the bucket holds a number of
-- units; without a lease out and none asked for, the plain bucket's path: no sort, no closures, no lease tables
local active = leases
local gone = nil
local ceiling = cap
local timeTo = nil
if #leases == 0 and not own then
	if ru > 0 and now > last and tokens < cap then
		tokens = math.min(cap, tokens + (now - last) * ru)
	end
else
	table.sort(leases, function(x, y)
		return x[1] < y[1]
	end)

	-- units held by the leases that are still out after time t
	local function heldAfter(list, t)
		local units = 0
		for _, l in ipairs(list) do
			if l[1] > t then
				units = units + l[2] * pu
			end
		end
		return units
	end

	-- refill up to the capacity minus what the leases hold, which rises as each lease expires
	ceiling = cap - heldAfter(leases, last)
	if ru > 0 and now > last then
		local t = last
		for _, l in ipairs(leases) do
			if l[1] > last and l[1] <= now then
				tokens = math.min(ceiling, tokens + (l[1] - t) * ru)
				ceiling = ceiling + l[2] * pu
				t = l[1]
			end
		end
		tokens = math.min(ceiling, tokens + (now - t) * ru)
	end

	active = {}
	gone = {}
	for _, l in ipairs(leases) do
		if l[1] <= now or (l[3] == own and returned >= 0) then
			gone[#gone + 1] = l[3]
		else
			active[#active + 1] = l
		end
	end
	ceiling = cap - heldAfter(active, now)
	if returned > 0 then
		tokens = tokens + returned * pu
	end
	tokens = math.min(ceiling, tokens)

	-- time until the bucket holds target units, following the leases' expiries; -1 = never
	timeTo = function(target)
		if tokens >= target then
			return 0
		end
		if ru == 0 then
			return -1
		end
		local t = now
		local tok = tokens
		local c = ceiling
		for _, l in ipairs(active) do
			if c >= target then
				local at = t + math.ceil((target - tok) / ru)
				if at <= l[1] then
					return at - now
				end
			end
			tok = math.min(c, tok + (l[1] - t) * ru)
			c = c + l[2] * pu
			t = l[1]
		end
		return t + math.ceil((target - tok) / ru) - now
	end
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
	elseif timeTo then
		retry = timeTo(need)
	elseif ru == 0 then
		retry = -1
	else
		retry = math.ceil((need - tokens) / ru)
	end
end

local granted = 0
if own and allowed == 1 and want > 0 then
	-- never more than half of what is left, so a key near its limit is decided exactly
	granted = math.min(want, math.floor(math.floor(tokens / pu) / 2))
	if granted > 0 then
		tokens = tokens - granted * pu
		ceiling = ceiling - granted * pu
		local lease = { now + lifetime, granted, own }
		local i = #active + 1
		while i > 1 and active[i - 1][1] > lease[1] do
			active[i] = active[i - 1]
			i = i - 1
		end
		active[i] = lease
	end
end

local reset = 0
if timeTo then
	reset = timeTo(cap)
elseif tokens < cap then
	reset = (ru == 0) and -1 or math.ceil((cap - tokens) / ru)
end
if reset == 0 then
	-- a full bucket with no lease out is a fresh one
	redis.call('DEL', KEYS[1])
else
	if same then
		redis.call('HSET', KEYS[1], 'a', tokens, 'b', now)
	else
		redis.call('HSET', KEYS[1], 'k', id, 'a', tokens, 'b', now)
	end
	if granted > 0 then
		redis.call('HSET', KEYS[1], own, string.format('%d:%d', granted, now + lifetime))
	end
	if gone then
		local drop = {}
		for _, f in ipairs(gone) do
			if not (granted > 0 and f == own) then
				drop[#drop + 1] = f
			end
		end
		if #drop > 0 then
			redis.call('HDEL', KEYS[1], unpack(drop))
		end
	end
	-- a bucket that never refills (reset -1) is kept as long as any key, then forgotten; never before its leases end
	local ttl = maxTtl
	if reset > 0 then
		ttl = math.min(math.ceil(reset / 1000) + 1, maxTtl)
	end
	if #active > 0 then
		ttl = math.max(ttl, math.ceil((active[#active][1] - now) / 1000) + 1)
	end
	redis.call('PEXPIRE', KEYS[1], ttl)
end
if own then
	return { allowed, math.floor(tokens / pu), retry, reset, granted, lifetime, 0 }
end
return { allowed, math.floor(tokens / pu), retry, reset }
