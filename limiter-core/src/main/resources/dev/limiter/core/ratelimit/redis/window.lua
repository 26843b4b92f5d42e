-- The part the two window scripts share (LuaScript puts it between prelude.lua and the algorithm's own part).

-- The count of the current window once a lease's unused permits are given back: they count again only in the
-- window they were leased in. ARGV[r] the permits given back, ARGV[r + 1] the start of their window.
local function returnLease(count, start, leasing, r)
	if leasing then
		local returned = tonumber(ARGV[r])
		if returned > 0 and count > 0 and tonumber(ARGV[r + 1]) == start then
			return math.max(0, count - returned)
		end
	end
	return count
end

-- Keeps the key's state (the field-value pairs given; the spec's id too when the key held another) until it would
-- be reset, reset µs from now and at most maxTtl ms; a key with nothing to keep (reset 0) is a fresh one: deleted.
local function save(same, reset, maxTtl, ...)
	if reset > 0 then
		if same then
			redis.call('HSET', KEYS[1], ...)
		else
			redis.call('HSET', KEYS[1], 'k', id, ...)
		end
		redis.call('PEXPIRE', KEYS[1], math.min(math.ceil(reset / 1000) + 1, maxTtl))
	else
		redis.call('DEL', KEYS[1])
	end
end
