-- Sliding window counter (two fixed windows, the previous one weighted by its overlap), exact in integer
-- microseconds below 2^53 (a port of SlidingWindowAlgorithm). KEYS[1] the key's hash. ARGV after prelude.lua's
-- now, permits and window id: limit, window W (µs), tick q (µs), ticks per window Wt, longest key TTL (ms). Hash:
-- k = window id, a = start of the current fixed window (µs), b = permits in it, c = permits in the previous one.
-- For a lease, ARGV goes on with: permits wanted beyond the request, permits given back from a previous lease, the
-- start of that lease's fixed window (they count again only in that window), the longest lease lifetime (µs).
-- Leased permits are counted in the current fixed window when leased; a lease ends with that fixed window.
-- Returns {allowed, remaining, retryAfter µs, resetAfter µs}, and for a lease {granted, lifetime µs, fixed window
-- start µs}; -1 = never.
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local tick = tonumber(ARGV[6])
local ticks = tonumber(ARGV[7])
local maxTtl = tonumber(ARGV[8])
local leasing = ARGV[9] ~= nil

local start = 0
local curr = 0
local prev = 0
local s = redis.call('HMGET', KEYS[1], 'k', 'a', 'b', 'c')
local same = s[1] == id
if same then
	start = tonumber(s[2])
	curr = math.min(tonumber(s[3]), limit)
	prev = math.min(tonumber(s[4]), limit)
end

if (curr == 0 and prev == 0) or now < start then
	start = now
else
	local passed = math.floor((now - start) / window)
	if passed == 1 and curr > 0 then
		prev = curr
		curr = 0
		start = start + window
	elseif passed >= 1 then
		prev = 0
		curr = 0
		start = now
	end
end
curr = returnLease(curr, start, leasing, 10)
local elapsed = now - start
local e = math.floor(elapsed / tick)
local free = limit * ticks - prev * (ticks - e) - curr * ticks

local allowed = 0
local retry = 0
if permits > limit then
	retry = -1
elseif permits * ticks <= free then
	curr = curr + permits
	free = free - permits * ticks
	allowed = 1
else
	local at = nil
	local spare = limit - curr - permits
	if spare >= 0 then
		local t = ticks - math.floor(spare * ticks / prev)
		if t < ticks then
			at = t * tick
		end
	end
	if at == nil then
		if curr == 0 then
			at = window
		else
			local t = math.max(0, ticks - math.floor((limit - permits) * ticks / curr))
			if t < ticks then
				at = window + t * tick
			else
				at = 2 * window
			end
		end
	end
	retry = at - elapsed
end

local granted = 0
if leasing and allowed == 1 then
	-- never more than half of what is left, so a key near its limit is decided exactly
	granted = math.min(tonumber(ARGV[9]), math.floor(math.floor(free / ticks) / 2))
	curr = curr + granted
	free = free - granted * ticks
end
local reset = 0
if curr > 0 then
	reset = 2 * window - elapsed
elseif prev > 0 then
	reset = window - elapsed
end
save(same, reset, maxTtl, 'a', start, 'b', curr, 'c', prev)
if leasing then
	return { allowed, math.max(0, math.floor(free / ticks)), retry, reset, granted,
		math.min(tonumber(ARGV[12]), window - elapsed), start }
end
return { allowed, math.max(0, math.floor(free / ticks)), retry, reset }
