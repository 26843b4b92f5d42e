-- Fixed window (go-zero PeriodLimit states), exact in integer microseconds below 2^53 (a port of
-- FixedWindowAlgorithm).
-- KEYS[1] the key's hash. ARGV after prelude.lua's now, permits and window id (period, alignment, zone):
-- quota, period (µs), aligned (0/1), zone offset (µs, fixed-offset zones), and for zones with offset changes the
-- aligned window's start and end (µs, computed by the client for the same now) or '', and the longest key TTL (ms);
-- for a lease: permits wanted beyond the request, permits given back from a previous lease, the start of that lease's
-- window (they count again only in that window), and the longest lease lifetime (µs).
-- Hash: k = window id, a = window start (µs), b = count. Leased permits are counted when leased; a lease ends with its
-- window. Returns {allowed, remaining, retryAfter µs, resetAfter µs}, and for a lease {granted, lifetime µs, window
-- start µs}; -1 = never.
local quota = tonumber(ARGV[4])
local period = tonumber(ARGV[5])
local maxTtl = tonumber(ARGV[10])
local leasing = ARGV[11] ~= nil

local start = 0
local count = 0
local s = redis.call('HMGET', KEYS[1], 'k', 'a', 'b')
local same = s[1] == id
if same then
	start = tonumber(s[2])
	count = tonumber(s[3])
end

local finish
if ARGV[6] == '1' then
	local windowStart
	if ARGV[8] ~= '' then
		windowStart = tonumber(ARGV[8])
		finish = tonumber(ARGV[9])
	else
		local offset = tonumber(ARGV[7])
		windowStart = math.floor((now + offset) / period) * period - offset
		finish = windowStart + period
	end
	if count > 0 and windowStart > start then
		count = 0
	end
	start = windowStart
else
	if count > 0 and now >= start and now - start >= period then
		count = 0
	end
	if count == 0 or now < start then
		start = now
	end
	finish = start + period
end

count = returnLease(count, start, leasing, 12)

local allowed = 0
local retry = 0
if permits > quota then
	retry = -1
elseif count + permits <= quota then
	count = count + permits
	allowed = 1
else
	retry = finish - now
end
local granted = 0
if leasing and allowed == 1 then
	-- never more than half of what is left, so a key near its limit is decided exactly
	granted = math.min(tonumber(ARGV[11]), math.floor((quota - count) / 2))
	count = count + granted
end
local reset = 0
if count > 0 then
	reset = finish - now
end
save(same, reset, maxTtl, 'a', start, 'b', count)
if leasing then
	return { allowed, math.max(0, quota - count), retry, reset, granted, math.min(tonumber(ARGV[14]), finish - now),
		start }
end
return { allowed, math.max(0, quota - count), retry, reset }
