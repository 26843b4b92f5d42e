package dev.limiter.boot.autoconfigure;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.limiter.core.shedding.Priority;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of limiter: the store of keyed rate-limit state, named rate limiters, circuit breakers
 * and load shedders, and the web rules that apply them to requests. Values are checked at start-up, each rule
 * once (most by limiter-core's builders); a wrong value fails start-up naming the property ({@link InvalidProperties}).
 *
 * @author limiter
 * @since 0.1.0
 */
@ConfigurationProperties("limiter")
public class LimiterProperties {

	/**
	 * Where keyed rate-limit state is kept.
	 */
	private Store store = Store.MEMORY;

	private final Redis redis = new Redis();

	private final Memory memory = new Memory();

	/**
	 * Rate limiters by name.
	 */
	private Map<String, RateLimiter> rateLimiters = new LinkedHashMap<>();

	/**
	 * Circuit breakers by name.
	 */
	private Map<String, CircuitBreaker> circuitBreakers = new LinkedHashMap<>();

	/**
	 * Load shedders by name.
	 */
	private Map<String, LoadShedder> loadShedders = new LinkedHashMap<>();

	private final Web web = new Web();

	private final Dashboard dashboard = new Dashboard();

	public Store getStore() {
		return this.store;
	}

	public void setStore(Store store) {
		this.store = store;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Memory getMemory() {
		return this.memory;
	}

	public Map<String, RateLimiter> getRateLimiters() {
		return this.rateLimiters;
	}

	public void setRateLimiters(Map<String, RateLimiter> rateLimiters) {
		this.rateLimiters = rateLimiters;
	}

	public Map<String, CircuitBreaker> getCircuitBreakers() {
		return this.circuitBreakers;
	}

	public void setCircuitBreakers(Map<String, CircuitBreaker> circuitBreakers) {
		this.circuitBreakers = circuitBreakers;
	}

	public Map<String, LoadShedder> getLoadShedders() {
		return this.loadShedders;
	}

	public void setLoadShedders(Map<String, LoadShedder> loadShedders) {
		this.loadShedders = loadShedders;
	}

	public Web getWeb() {
		return this.web;
	}

	public Dashboard getDashboard() {
		return this.dashboard;
	}

	/** Where keyed rate-limit state is kept. */
	public enum Store {

		/** In this process, in a bounded map whose idle keys are evicted. */
		MEMORY,

		/** In Redis, through the application's RedisConnectionFactory, shared by every instance. */
		REDIS

	}

	/** What a Redis-backed limiter decides while Redis is unreachable or too slow. */
	public enum OnFailure {

		/** Decide with an in-memory limiter of the same spec until Redis answers again. */
		LOCAL,

		/** Let every request through. */
		ALLOW,

		/** Refuse every request. */
		DENY

	}

	/** Algorithm of a keyed rate limiter. */
	public enum Algorithm {

		/** Token bucket of "burst" permits refilled at "limit" permits per "period". */
		TOKEN_BUCKET,

		/** At most "limit" permits per window of "period" (go-zero's PeriodLimit). */
		FIXED_WINDOW,

		/** About "limit" permits in any "window", estimated from two adjacent fixed windows. */
		SLIDING_WINDOW

	}

	/** Whether a limiter refuses requests or only reports what it would refuse. */
	public enum Mode {

		/** Refuse requests over the limit. */
		ENFORCE,

		/** Decide and count, but let every request through. */
		SHADOW

	}

	/** Kind of circuit breaker. */
	public enum BreakerType {

		/** Google SRE client-side adaptive throttling (go-zero's breaker). */
		ADAPTIVE,

		/** Closed, open and half-open states driven by failure and slow-call rates. */
		THRESHOLD

	}

	/** Kind of load shedder. */
	public enum ShedderType {

		/** go-zero's adaptive shedder, driven by CPU usage. */
		CPU,

		/** A limit on requests in flight learnt from their latency, with nothing to tune. */
		ADAPTIVE_CONCURRENCY

	}

	/** Format of the rate-limit headers written on responses. */
	public enum HeadersFormat {

		/** "RateLimit" and "RateLimit-Policy" of draft-ietf-httpapi-ratelimit-headers-11. */
		IETF,

		/** "X-RateLimit-Limit", "X-RateLimit-Remaining" and "X-RateLimit-Reset" (seconds from now). */
		LEGACY,

		/** Both the IETF and the legacy headers. */
		BOTH,

		/** No rate-limit headers; refusals still carry "Retry-After". */
		NONE

	}

	/** Redis store settings. */
	public static class Redis {

		/**
		 * Prefix of every Redis key the limiter writes.
		 */
		private String keyPrefix = "limiter:";

		/**
		 * Longest wait for a Redis decision before the on-failure behaviour applies.
		 */
		private Duration timeout = Duration.ofMillis(100);

		/**
		 * Decision made while Redis is unreachable or slower than the timeout.
		 */
		private OnFailure onFailure = OnFailure.LOCAL;

		/**
		 * Interval between tries of Redis while it is unavailable; without requests a background ping tries it, so
		 * that health recovers on its own.
		 */
		private Duration probeInterval = Duration.ofMillis(100);

		/**
		 * Longest delay between Lettuce's reconnect attempts while Redis is unreachable, applied to the client
		 * resources Spring Boot creates (Lettuce's own default backs off up to 30 seconds).
		 */
		private Duration reconnectDelay = Duration.ofMillis(500);

		/**
		 * Longest time a key is kept in Redis after its last decision. A key whose state would last longer (a token
		 * bucket that never refills, a window longer than this) is forgotten then and starts fresh.
		 */
		private Duration maximumKeyTtl = Duration.ofDays(31);

		public Duration getProbeInterval() {
			return this.probeInterval;
		}

		public void setProbeInterval(Duration probeInterval) {
			this.probeInterval = probeInterval;
		}

		public Duration getReconnectDelay() {
			return this.reconnectDelay;
		}

		public void setReconnectDelay(Duration reconnectDelay) {
			this.reconnectDelay = reconnectDelay;
		}

		public Duration getMaximumKeyTtl() {
			return this.maximumKeyTtl;
		}

		public void setMaximumKeyTtl(Duration maximumKeyTtl) {
			this.maximumKeyTtl = maximumKeyTtl;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public OnFailure getOnFailure() {
			return this.onFailure;
		}

		public void setOnFailure(OnFailure onFailure) {
			this.onFailure = onFailure;
		}

	}

	/** In-memory store settings. */
	public static class Memory {

		/**
		 * Maximum number of keys held in memory, also by the Redis store's local fallback; beyond it, the least
		 * recently and frequently used keys are forgotten.
		 */
		private long maximumKeys = 100_000;

		public long getMaximumKeys() {
			return this.maximumKeys;
		}

		public void setMaximumKeys(long maximumKeys) {
			this.maximumKeys = maximumKeys;
		}

	}

	/** One named keyed rate limiter. */
	public static class RateLimiter {

		/**
		 * Algorithm deciding requests.
		 */
		private Algorithm algorithm = Algorithm.TOKEN_BUCKET;

		/**
		 * Permits per period; for a token bucket the refill rate is limit divided by period. Required.
		 */
		private @Nullable Long limit;

		/**
		 * Period the limit applies to.
		 */
		private Duration period = Duration.ofSeconds(1);

		/**
		 * Capacity of a token bucket, the most permits a key can take at once. Defaults to the limit.
		 */
		private @Nullable Long burst;

		/**
		 * Whether fixed windows start on calendar boundaries of the zone rather than at a key's first request.
		 */
		private boolean align;

		/**
		 * Time zone of aligned fixed windows. Defaults to UTC.
		 */
		private @Nullable ZoneId zone;

		/**
		 * Length of a sliding window. Defaults to the period.
		 */
		private @Nullable Duration window;

		/**
		 * Whether requests over the limit are refused or only counted and logged.
		 */
		private Mode mode = Mode.ENFORCE;

		/**
		 * Redis store: most permits of a key one instance may lease from Redis at once and spend locally, 0 to decide
		 * every request in Redis. Leased permits are counted in Redis when leased, so instances together never admit
		 * more than the limit; unspent ones end with their lease, so instances may admit up to this many per
		 * instance less. Ignored by the in-memory store.
		 */
		private int leasePermits;

		public Algorithm getAlgorithm() {
			return this.algorithm;
		}

		public void setAlgorithm(Algorithm algorithm) {
			this.algorithm = algorithm;
		}

		public @Nullable Long getLimit() {
			return this.limit;
		}

		public void setLimit(@Nullable Long limit) {
			this.limit = limit;
		}

		public Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(Duration period) {
			this.period = period;
		}

		public @Nullable Long getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Long burst) {
			this.burst = burst;
		}

		public boolean isAlign() {
			return this.align;
		}

		public void setAlign(boolean align) {
			this.align = align;
		}

		public @Nullable ZoneId getZone() {
			return this.zone;
		}

		public void setZone(@Nullable ZoneId zone) {
			this.zone = zone;
		}

		public @Nullable Duration getWindow() {
			return this.window;
		}

		public void setWindow(@Nullable Duration window) {
			this.window = window;
		}

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public int getLeasePermits() {
			return this.leasePermits;
		}

		public void setLeasePermits(int leasePermits) {
			this.leasePermits = leasePermits;
		}

	}

	/** One named circuit breaker. */
	public static class CircuitBreaker {

		/**
		 * Kind of breaker.
		 */
		private BreakerType type = BreakerType.ADAPTIVE;

		/**
		 * Adaptive: multiplier K of accepted calls in the drop ratio; lower values drop sooner. At least 1.1.
		 */
		private double k = 1.5;

		/**
		 * Adaptive: number of requests in the window below which no call is dropped.
		 */
		private int protection = 5;

		/**
		 * Rolling window over which call outcomes are counted.
		 */
		private Duration window = Duration.ofSeconds(10);

		/**
		 * Number of buckets the window is divided into.
		 */
		private int buckets = 40;

		/**
		 * Threshold: failure rate, from 0 (exclusive) to 1, at or above which the breaker opens.
		 */
		private double failureRateThreshold = 0.5;

		/**
		 * Threshold: slow-call rate, from 0 (exclusive) to 1, at or above which the breaker opens.
		 */
		private double slowCallRateThreshold = 1.0;

		/**
		 * Threshold: duration above which a call counts as slow.
		 */
		private Duration slowCallDuration = Duration.ofSeconds(60);

		/**
		 * Threshold: number of calls in the window before rates are computed.
		 */
		private int minimumCalls = 10;

		/**
		 * Threshold: time the breaker stays open before letting probe calls through.
		 */
		private Duration openDuration = Duration.ofSeconds(60);

		/**
		 * Threshold: number of probe calls permitted while half-open.
		 */
		private int halfOpenCalls = 10;

		/**
		 * Threshold: how long a half-open probe call may stay unreported before it counts as failed.
		 */
		private Duration probeTimeout = Duration.ofSeconds(60);

		/**
		 * Whether dropped calls are refused, or only counted and logged (the call goes on and the breaker still
		 * learns its outcome).
		 */
		private Mode mode = Mode.ENFORCE;

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public BreakerType getType() {
			return this.type;
		}

		public void setType(BreakerType type) {
			this.type = type;
		}

		public double getK() {
			return this.k;
		}

		public void setK(double k) {
			this.k = k;
		}

		public int getProtection() {
			return this.protection;
		}

		public void setProtection(int protection) {
			this.protection = protection;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getBuckets() {
			return this.buckets;
		}

		public void setBuckets(int buckets) {
			this.buckets = buckets;
		}

		public double getFailureRateThreshold() {
			return this.failureRateThreshold;
		}

		public void setFailureRateThreshold(double failureRateThreshold) {
			this.failureRateThreshold = failureRateThreshold;
		}

		public double getSlowCallRateThreshold() {
			return this.slowCallRateThreshold;
		}

		public void setSlowCallRateThreshold(double slowCallRateThreshold) {
			this.slowCallRateThreshold = slowCallRateThreshold;
		}

		public Duration getSlowCallDuration() {
			return this.slowCallDuration;
		}

		public void setSlowCallDuration(Duration slowCallDuration) {
			this.slowCallDuration = slowCallDuration;
		}

		public int getMinimumCalls() {
			return this.minimumCalls;
		}

		public void setMinimumCalls(int minimumCalls) {
			this.minimumCalls = minimumCalls;
		}

		public Duration getOpenDuration() {
			return this.openDuration;
		}

		public void setOpenDuration(Duration openDuration) {
			this.openDuration = openDuration;
		}

		public int getHalfOpenCalls() {
			return this.halfOpenCalls;
		}

		public void setHalfOpenCalls(int halfOpenCalls) {
			this.halfOpenCalls = halfOpenCalls;
		}

		public Duration getProbeTimeout() {
			return this.probeTimeout;
		}

		public void setProbeTimeout(Duration probeTimeout) {
			this.probeTimeout = probeTimeout;
		}

	}

	/** One named load shedder. */
	public static class LoadShedder {

		/**
		 * CPU usage, a fraction from 0 to 0.999 (0: always hot), from which requests may be shed.
		 */
		private double cpuThreshold = 0.9;

		/**
		 * Rolling window over which passed requests and response times are measured.
		 */
		private Duration window = Duration.ofSeconds(5);

		/**
		 * Number of buckets the window is divided into.
		 */
		private int buckets = 50;

		/**
		 * Time shedding goes on after CPU usage was last seen above the threshold.
		 */
		private Duration coolOff = Duration.ofSeconds(1);

		/**
		 * Maximum number of requests in flight, refused at once beyond it. Zero for no cap.
		 */
		private int maxConcurrency;

		/**
		 * Whether requests through this shedder are high priority: the CPU threshold is raised halfway to 100%.
		 */
		private boolean priority;

		/**
		 * Kind of shedder: "cpu" sheds on CPU usage (go-zero's shedder); "adaptive-concurrency" limits requests in
		 * flight to a limit learnt from their latency.
		 */
		private ShedderType type = ShedderType.CPU;

		/**
		 * Adaptive-concurrency limit used until latency has been measured.
		 */
		private int initialLimit = 20;

		/**
		 * Smallest limit an adaptive-concurrency shedder may reach, 1 or more.
		 */
		private int minLimit = 1;

		/**
		 * Largest limit an adaptive-concurrency shedder may reach, at least the minimum limit.
		 */
		private int maxLimit = 1000;

		/**
		 * Whether shed requests are refused, or only counted and logged (the request goes on).
		 */
		private Mode mode = Mode.ENFORCE;

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public double getCpuThreshold() {
			return this.cpuThreshold;
		}

		public void setCpuThreshold(double cpuThreshold) {
			this.cpuThreshold = cpuThreshold;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getBuckets() {
			return this.buckets;
		}

		public void setBuckets(int buckets) {
			this.buckets = buckets;
		}

		public Duration getCoolOff() {
			return this.coolOff;
		}

		public void setCoolOff(Duration coolOff) {
			this.coolOff = coolOff;
		}

		public int getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(int maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public boolean isPriority() {
			return this.priority;
		}

		public void setPriority(boolean priority) {
			this.priority = priority;
		}

		public ShedderType getType() {
			return this.type;
		}

		public void setType(ShedderType type) {
			this.type = type;
		}

		public int getInitialLimit() {
			return this.initialLimit;
		}

		public void setInitialLimit(int initialLimit) {
			this.initialLimit = initialLimit;
		}

		public int getMinLimit() {
			return this.minLimit;
		}

		public void setMinLimit(int minLimit) {
			this.minLimit = minLimit;
		}

		public int getMaxLimit() {
			return this.maxLimit;
		}

		public void setMaxLimit(int maxLimit) {
			this.maxLimit = maxLimit;
		}

	}

	/** Servlet web settings. */
	public static class Web {

		/**
		 * Rules applying rate limiters, circuit breakers and load shedders to requests, in order.
		 */
		private List<Rule> rules = new ArrayList<>();

		/**
		 * Format of the rate-limit headers written on responses.
		 */
		private HeadersFormat headers = HeadersFormat.IETF;

		/**
		 * CIDR ranges (IPv4 or IPv6) of proxies whose X-Forwarded-For header is trusted.
		 */
		private List<String> trustedProxies = new ArrayList<>();

		/**
		 * Length of the network prefix IPv6 clients are grouped by in "ip" keys, from 0 to 128 (128 for one key per
		 * address).
		 */
		private int ipv6PrefixLength = 64;

		public List<Rule> getRules() {
			return this.rules;
		}

		public void setRules(List<Rule> rules) {
			this.rules = rules;
		}

		public HeadersFormat getHeaders() {
			return this.headers;
		}

		public void setHeaders(HeadersFormat headers) {
			this.headers = headers;
		}

		public List<String> getTrustedProxies() {
			return this.trustedProxies;
		}

		public void setTrustedProxies(List<String> trustedProxies) {
			this.trustedProxies = trustedProxies;
		}

		public int getIpv6PrefixLength() {
			return this.ipv6PrefixLength;
		}

		public void setIpv6PrefixLength(int ipv6PrefixLength) {
			this.ipv6PrefixLength = ipv6PrefixLength;
		}

	}

	/** One web rule: which requests it matches and what it applies to them. */
	public static class Rule {

		/**
		 * Path patterns the rule matches, relative to the context path, such as "/api/**".
		 */
		private List<String> paths = new ArrayList<>(List.of("/**"));

		/**
		 * HTTP methods the rule matches. Empty for all methods.
		 */
		private List<String> methods = new ArrayList<>();

		/**
		 * Name of the rate limiter applied to matching requests.
		 */
		private @Nullable String rateLimiter;

		/**
		 * Key the rate limiter counts requests under: ip, header:Name, principal, path or a SpEL expression over
		 * the request.
		 */
		private String key = "ip";

		/**
		 * Name of the circuit breaker wrapped around matching requests.
		 */
		private @Nullable String circuitBreaker;

		/**
		 * Name of the load shedder guarding matching requests.
		 */
		private @Nullable String loadShedder;

		/**
		 * Priority of matching requests at the load shedder: critical ones may use its whole limit, sheddable ones
		 * are refused once 90% of it (keeping at least one slot) is in flight. Only concurrency limits
		 * (adaptive-concurrency, max-concurrency) tell them apart.
		 */
		private Priority priority = Priority.CRITICAL;

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public @Nullable String getRateLimiter() {
			return this.rateLimiter;
		}

		public void setRateLimiter(@Nullable String rateLimiter) {
			this.rateLimiter = rateLimiter;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

		public @Nullable String getCircuitBreaker() {
			return this.circuitBreaker;
		}

		public void setCircuitBreaker(@Nullable String circuitBreaker) {
			this.circuitBreaker = circuitBreaker;
		}

		public @Nullable String getLoadShedder() {
			return this.loadShedder;
		}

		public void setLoadShedder(@Nullable String loadShedder) {
			this.loadShedder = loadShedder;
		}

		public Priority getPriority() {
			return this.priority;
		}

		public void setPriority(Priority priority) {
			this.priority = priority;
		}

	}

	/** The live dashboard under the management path. */
	public static class Dashboard {

		/**
		 * Whether to serve the dashboard at {management base path}/limiter-dashboard while the 'limiter' endpoint is
		 * exposed.
		 */
		private boolean enabled = true;

		/**
		 * Most frequent keys shown per rate limiter, from 1 to 20.
		 */
		private int topKeys = 10;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getTopKeys() {
			return this.topKeys;
		}

		public void setTopKeys(int topKeys) {
			this.topKeys = topKeys;
		}

	}

}
