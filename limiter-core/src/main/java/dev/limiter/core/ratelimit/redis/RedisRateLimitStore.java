package dev.limiter.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.Settings;
import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;

/**
 * A {@link RateLimitStore} in Redis, shared by every instance of an application, over Spring Data Redis's
 * {@link RedisConnectionFactory} (standalone, sentinel or Redis Cluster). It answers exactly as
 * {@link InMemoryRateLimitStore} does: the same token bucket, fixed window and sliding window models, in the same
 * integer microseconds.
 *
 * <h2>One round trip per decision</h2>
 * Each decision is one {@code EVALSHA} of a single-key Lua script per algorithm: it reads the key's hash, decides,
 * writes the hash back and sets its {@code PEXPIRE} to the time until the key is full (or its windows over) again
 * (rounded up to the millisecond, plus one for Redis's millisecond expiry clock),
 * or deletes the key when its state equals a fresh one. The SHA is computed locally; when Redis does not know the
 * script ({@code NOSCRIPT}: a restart, a failover, {@code SCRIPT FLUSH}) it is sent once with {@code EVAL}. Each key
 * is one hash named {@code prefix + "{" + key + "}"}, so nothing spans slots on a cluster. All arithmetic is on
 * integer microseconds below 2<sup>53</sup>, exact on Lua's doubles.
 *
 * <h2>Time</h2>
 * By default ({@link TimeSource#REDIS}) the script reads the time with Redis {@code TIME}, so instances with skewed
 * clocks agree; time going backwards (a failover to a host whose clock is behind) is clamped as the algorithms
 * document. Aligned fixed windows in a zone with offset changes (DST) use the application's wall clock instead, since
 * Lua cannot know zone rules. {@link TimeSource#CLIENT} passes the store's {@link Clock} instead, read as the
 * in-memory store reads it (monotonic microseconds, wall-clock for aligned windows), for deterministic tests on a
 * {@code ManualClock} with a single store.
 *
 * <h2>Keys known to be short of permits</h2>
 * A key refused {@code n} permits is refused locally, without a Redis call, for any request of {@code n} or more
 * permits (up to the limit) until its retry time, so an abuser costs nothing: a key's permits only grow with time,
 * and other instances only take. The answer's retry time is exact for {@code n} permits and for fixed windows, a
 * lower bound for larger requests on buckets and sliding windows. Bounded by {@code refusalCacheSize} keys (per
 * {@link #bind bound limiter}).
 *
 * <h2>Leases</h2>
 * A limiter bound with {@code leasePermits > 0} ({@code new RateLimiter(name, spec, store, n)}) takes up to that
 * many permits of a key for this instance in the {@code EVALSHA} that decides a request, and spends them locally
 * (lock-free) until they run out or the lease ends (at most 1 s, never past a window's end); one caller per key
 * renews it, giving back what it left. Leased permits are counted in Redis when leased, and a token bucket refills
 * only up to its capacity minus what live leases hold, so instances together never admit more than the limit; a
 * key admits at least its limit minus instances × lease permits per period. A lease holds what the key's local
 * rate uses in 100 ms, at most the lease permits and a quarter of the limit, and at most half of what the key has
 * left; a key granted less than it asked for is decided exactly until that lease would have ended. A decision from
 * a lease reports as remaining what Redis had left when it was taken plus what the lease still holds. Leases held
 * are spent during an outage until they end, and not after it ({@code docs/redis.md} has the details).
 *
 * <h2>When Redis fails</h2>
 * A decision waits at most {@code timeout} for Redis (enforced per decision with Lettuce, Boot's default driver;
 * with other drivers their own command timeout applies). An error or a timeout never reaches the caller: the
 * decision follows the {@link FailurePolicy} ({@link FailurePolicy#LOCAL}, the default, decides with an in-memory
 * store in this JVM, go-zero's behaviour; {@link FailurePolicy#ALLOW} admits; {@link FailurePolicy#DENY} refuses).
 * "Not connected yet" is such a failure: the store connects on a thread of its own, one attempt at a time, and a
 * decision waits for a pending attempt no longer than its timeout; a connection found closed (the factory was
 * stopped and started again) is replaced. The outage is logged once and reported to the {@link Listener}; while it
 * lasts Redis is tried again once every {@code probeInterval}, by a decision or, when none comes, by a background
 * {@code PING}, and the first answer ends the outage, so that health recovers without traffic. How soon the driver
 * reconnects to a restarted server is the driver's business (Lettuce's reconnect delay, which the Spring Boot
 * starter shortens).
 *
 * <h2>Without waiting</h2>
 * {@link #acquireAsync} (and a bound limit's) decides as {@link #acquire} does, with the same timeout, failure
 * policy, refusal cache and leases, but sends its {@code EVALSHA} through Lettuce's asynchronous API and returns at
 * once: the timeout is a task on a timer thread, not a waiting caller. A lease or a remembered refusal answers with
 * a completed stage; a caller finding a key's lease being renewed continues when the renewal completes.
 *
 * <h2>Memory</h2>
 * Every key written gets a {@code PEXPIRE}, at most {@code maximumKeyTtl} (default 31 days): a key whose state
 * would last longer (a token bucket that never refills, windows longer than that) is forgotten that long after its
 * last decision and starts fresh, so that a flood of client-chosen keys cannot fill Redis.
 *
 * <p>Thread-safe and lock-free on the decision path but for a leasing key's renewal, which a blocking decision
 * waits for; a decision asking Redis allocates its key, arguments and reply (and its stage when asynchronous).
 */
public final class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "limiter:";

	/** The default timeout of a decision. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);

	/** The default interval between tries of Redis while it is unavailable. */
	public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(100);

	/** The default longest time a key is kept after its last decision. */
	public static final Duration DEFAULT_MAXIMUM_KEY_TTL = Duration.ofDays(31);

	/** How a store decides while Redis is unavailable. */
	public enum FailurePolicy {

		/** Decide with an in-memory store in this JVM (each instance then limits on its own). */
		LOCAL,

		/** Admit every request. */
		ALLOW,

		/** Refuse every request, with a retry time of one probe interval. */
		DENY

	}

	/** Where the time of a decision comes from. */
	public enum TimeSource {

		/** Redis {@code TIME}, read inside the script: one clock for all instances. */
		REDIS,

		/** The store's {@link Clock}, passed to the script: for deterministic tests. */
		CLIENT

	}

	/** Who decided a request. */
	public enum DecisionSource {

		/** The script in Redis. */
		REDIS,

		/** The local cache of keys known to be short of permits. */
		CACHE,

		/** Permits leased from Redis earlier and spent locally. */
		LEASE,

		/** The failure policy, because Redis was unavailable or failed. */
		FALLBACK

	}

	/**
	 * Receives what the store does, for metrics, logs and health. Called on the deciding thread: implementations must
	 * be fast and must not throw.
	 */
	public interface Listener {

		/**
		 * Called after every decision.
		 * @param source who decided
		 * @param latencyNanos how long the decision took, on the store's clock
		 */
		default void onDecision(DecisionSource source, long latencyNanos) {
		}

		/**
		 * Called once when Redis becomes unavailable (an error or a timeout).
		 * @param cause what failed
		 */
		default void onFailure(Throwable cause) {
		}

		/**
		 * Called once when Redis answers again after an outage.
		 * @param outage how long Redis was unavailable
		 */
		default void onRecovery(Duration outage) {
		}

	}

	private static final boolean LETTUCE_PRESENT = isPresent("io.lettuce.core.RedisClient");

	private static final Listener NO_LISTENER = new Listener() {
	};

	private static final int MAXIMUM_SPECS = 1024;

	private final ScriptRunner runner;

	private final String keyPrefix;

	final long timeoutNanos;

	private final FailurePolicy failurePolicy;

	final Clock clock;

	private final boolean clientTime;

	private final Listener listener;

	private final Duration probeInterval;

	final Availability availability;

	private final RefusalCache refusals;

	private final long refusalCacheSize;

	private final long leasedKeys;

	private final RateLimitStore localStore;

	/** Runs the background probe while Redis is unavailable; its one thread ends when idle. */
	private final ScheduledThreadPoolExecutor prober;

	private final AtomicBoolean probing = new AtomicBoolean();

	private final Cache<LimitSpec, PreparedSpec> preparedSpecs = Caffeine.newBuilder()
		.executor(Runnable::run)
		.maximumSize(MAXIMUM_SPECS)
		.build();

	private final Function<LimitSpec, PreparedSpec> preparer;

	private volatile PreparedSpec lastPrepared;

	/** The leasing limiters bound to this store, whose leases {@link #close} gives back; weakly held. */
	private final Set<RedisBoundLimit> leasing = Collections
		.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

	private RedisRateLimitStore(Builder builder) {
		RedisConnectionFactory factory = builder.connectionFactory;
		this.runner = (LETTUCE_PRESENT && LettuceScriptRunner.supports(factory)) ? new LettuceScriptRunner(factory)
				: new ConnectionScriptRunner(factory);
		this.keyPrefix = builder.keyPrefix;
		this.timeoutNanos = builder.timeout.toNanos();
		this.failurePolicy = builder.failurePolicy;
		this.clock = builder.clock;
		this.clientTime = builder.timeSource == TimeSource.CLIENT;
		this.listener = builder.listener;
		this.probeInterval = builder.probeInterval;
		// 2^43 ms (278 years) keeps the script's arithmetic and Redis's expiry time exact
		long maximumKeyTtlMillis = (builder.maximumKeyTtl.compareTo(Duration.ofMillis(1L << 43)) >= 0) ? 1L << 43
				: builder.maximumKeyTtl.toMillis();
		this.preparer = (spec) -> PreparedSpec.of(spec, maximumKeyTtlMillis);
		this.availability = new Availability(builder.clock, builder.probeInterval, builder.listener,
				this::startProbing);
		this.prober = daemonScheduler("limiter-redis-probe");
		this.runner.connect();
		this.refusals = (builder.refusalCacheSize > 0) ? new RefusalCache(builder.refusalCacheSize) : null;
		this.refusalCacheSize = builder.refusalCacheSize;
		this.leasedKeys = builder.leasedKeys;
		this.localStore = (builder.failurePolicy == FailurePolicy.LOCAL) ? InMemoryRateLimitStore.builder()
			.clock(builder.clock)
			.maximumKeys(builder.localMaximumKeys)
			.build() : null;
	}

	/**
	 * Returns a builder over a connection factory: prefix {@value #DEFAULT_KEY_PREFIX}, a timeout of 100 ms, the
	 * {@link FailurePolicy#LOCAL} policy and Redis time unless told otherwise.
	 * @param connectionFactory the application's connection factory
	 * @return a new builder
	 */
	public static Builder builder(RedisConnectionFactory connectionFactory) {
		return new Builder(connectionFactory);
	}

	/**
	 * Returns a scheduler of one daemon thread, started when a task is due and ended when idle for a second.
	 * @param threadName the thread's name
	 * @return the scheduler
	 */
	static ScheduledThreadPoolExecutor daemonScheduler(String threadName) {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, threadName);
			thread.setDaemon(true);
			return thread;
		});
		scheduler.setKeepAliveTime(1, TimeUnit.SECONDS);
		scheduler.allowCoreThreadTimeOut(true);
		scheduler.setRemoveOnCancelPolicy(true);
		return scheduler;
	}

	/**
	 * {@inheritDoc}
	 * <p>Never throws because of Redis: see the failure policy.
	 * @throws IllegalArgumentException if {@code permits < 1}, or if the spec cannot be computed exactly (see its
	 * javadoc)
	 */
	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		PreparedSpec prepared = prepare(key, spec, permits);
		long startNanos = this.clock.nanoTime();
		Decision local = answerLocally(this.refusals, null, key, prepared, permits, startNanos);
		if (local != null) {
			return local;
		}
		List<Object> reply;
		try {
			reply = run(prepared, redisKey(key), prepared.arguments(nowMicros(prepared, startNanos), permits));
		}
		catch (Exception ex) {
			return failed(null, key, prepared, permits, startNanos, ex);
		}
		return fromRedis(this.refusals, key, prepared, permits, startNanos, reply, 0);
	}

	@Override
	public boolean decidesAsyncWithoutBlocking() {
		// over Lettuce, EVALSHA is sent asynchronously; other clients (Jedis) answer on the caller's thread
		return this.runner instanceof LettuceScriptRunner;
	}

	/**
	 * {@inheritDoc}
	 * <p>With Lettuce, Boot's default driver, no thread waits for Redis: the stage completes on Lettuce's I/O thread
	 * with Redis's answer, or by the failure policy on the store's timer thread when the timeout passes first;
	 * continue on an executor of your own for blocking work. With other drivers the call runs on the caller's
	 * thread. Never completes exceptionally because of Redis.
	 * @throws IllegalArgumentException if {@code permits < 1}, or if the spec cannot be computed exactly (see its
	 * javadoc)
	 */
	@Override
	public CompletionStage<Decision> acquireAsync(String key, LimitSpec spec, int permits) {
		PreparedSpec prepared = prepare(key, spec, permits);
		long startNanos = this.clock.nanoTime();
		Decision local = answerLocally(this.refusals, null, key, prepared, permits, startNanos);
		if (local != null) {
			return CompletableFuture.completedFuture(local);
		}
		return runAsync(prepared, redisKey(key), prepared.arguments(nowMicros(prepared, startNanos), permits),
				this.timeoutNanos)
			.handle((reply, ex) -> (ex != null) ? failed(null, key, prepared, permits, startNanos, ex)
					: fromRedis(this.refusals, key, prepared, permits, startNanos, reply, 0));
	}

	private PreparedSpec prepare(String key, LimitSpec spec, int permits) {
		Objects.requireNonNull(key, "key must not be null");
		Objects.requireNonNull(spec, "spec must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be >= 1 (was " + permits + ")");
		}
		return prepare(spec);
	}

	private byte[] redisKey(String key) {
		return (this.keyPrefix + '{' + key + '}').getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Returns the answer that needs no Redis call: a remembered refusal, or the failure policy's while Redis is
	 * unavailable and not due for a try; {@code null} when Redis must decide.
	 * @param namespace the bound limiter's name, {@code null} for a direct call
	 */
	Decision answerLocally(RefusalCache refusals, String namespace, String key, PreparedSpec prepared, int permits,
			long startNanos) {
		if (refusals != null) {
			Decision cached = refusals.answer(key, prepared.spec, permits, startNanos);
			if (cached != null) {
				decided(DecisionSource.CACHE, startNanos);
				return cached;
			}
		}
		if (!this.availability.shouldTry(startNanos)) {
			return fallback(namespace, key, prepared, permits, startNanos);
		}
		return null;
	}

	/**
	 * Returns the decision of a script's reply, counting {@code leased} permits held here as remaining: Redis
	 * answered, and a refusal is remembered.
	 */
	Decision fromRedis(RefusalCache refusals, String key, PreparedSpec prepared, int permits, long startNanos,
			List<Object> reply, int leased) {
		Decision decision = decision(prepared, reply, leased);
		this.availability.succeeded();
		if (refusals != null && RefusalCache.isRememberable(decision)) {
			refusals.remember(key, prepared.spec, permits, startNanos, clockSlackNanos(prepared), decision);
		}
		decided(DecisionSource.REDIS, startNanos);
		return decision;
	}

	/**
	 * Decides by the failure policy after Redis failed; an interrupted caller keeps its flag and is decided by the
	 * policy this once, without Redis counting as failed.
	 * @param namespace the bound limiter's name, {@code null} for a direct call
	 */
	Decision failed(String namespace, String key, PreparedSpec prepared, int permits, long startNanos,
			Throwable failure) {
		Throwable ex = (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
				: failure;
		if (ex instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		else {
			this.availability.failed(startNanos, this.clock.nanoTime(), ex);
		}
		return fallback(namespace, key, prepared, permits, startNanos);
	}

	/**
	 * {@inheritDoc}
	 * <p>The bound limit builds each Redis key from a prefix encoded once (the layout stays
	 * {@code prefix + "{" + namespace + ":" + key + "}"}) and remembers refusals per limiter, each limiter up to
	 * {@code refusalCacheSize} keys. With {@code leasePermits > 0} it leases: see the class javadoc.
	 * @throws IllegalArgumentException if the spec cannot be computed exactly (see its javadoc)
	 */
	@Override
	public BoundLimit bind(String namespace, LimitSpec spec, int leasePermits) {
		Objects.requireNonNull(namespace, "namespace must not be null");
		Objects.requireNonNull(spec, "spec must not be null");
		if (leasePermits < 0) {
			throw new IllegalArgumentException("leasePermits must be >= 0 (was " + leasePermits + ")");
		}
		RedisBoundLimit bound = new RedisBoundLimit(this, this.keyPrefix, namespace, prepare(spec),
				this.refusalCacheSize, this.leasedKeys, leasePermits);
		if (leasePermits > 0) {
			this.leasing.add(bound);
		}
		return bound;
	}

	long nowMicros(PreparedSpec prepared, long startNanos) {
		if (this.clientTime || prepared.clientWindows) {
			return prepared.wallClock ? this.clock.currentTimeMillis() * 1000 : Math.floorDiv(startNanos, 1000);
		}
		return Long.MIN_VALUE;
	}

	/** Returns how far the script's time may lag the decision's: up to 1 ms when it was the wall clock in ms. */
	long clockSlackNanos(PreparedSpec prepared) {
		return (prepared.wallClock && (this.clientTime || prepared.clientWindows)) ? 1_000_000 : 0;
	}

	List<Object> run(PreparedSpec prepared, byte[] redisKey, byte[][] arguments) throws Exception {
		return run(prepared, redisKey, arguments, this.timeoutNanos);
	}

	List<Object> run(PreparedSpec prepared, byte[] redisKey, byte[][] arguments, long timeoutNanos) throws Exception {
		return this.runner.run(prepared.script, redisKey, arguments, timeoutNanos);
	}

	/** Runs a script without waiting; the future fails rather than the call throwing. */
	CompletableFuture<List<Object>> runAsync(PreparedSpec prepared, byte[] redisKey, byte[][] arguments,
			long timeoutNanos) {
		try {
			return this.runner.runAsync(prepared.script, redisKey, arguments, timeoutNanos);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/** Returns the decision of a script's reply, counting {@code leased} permits held here as remaining. */
	private Decision decision(PreparedSpec prepared, List<Object> reply, int leased) {
		return new Decision(((Long) reply.get(0)) == 1, prepared.limit, (Long) reply.get(1) + leased,
				micros((Long) reply.get(2)), micros((Long) reply.get(3)));
	}

	void decided(DecisionSource source, long startNanos) {
		this.listener.onDecision(source, this.clock.nanoTime() - startNanos);
	}

	private static Duration micros(long micros) {
		if (micros == 0) {
			return Duration.ZERO;
		}
		if (micros < 0) {
			return AlgorithmParameters.forever();
		}
		return Duration.ofSeconds(micros / 1_000_000, (micros % 1_000_000) * 1000);
	}

	/**
	 * Decides by the failure policy.
	 * @param namespace the bound limiter's name, {@code null} for a direct call
	 */
	Decision fallback(String namespace, String key, PreparedSpec prepared, int permits, long startNanos) {
		Decision decision = switch (this.failurePolicy) {
			case LOCAL -> this.localStore.acquire((namespace != null) ? namespace + ':' + key : key, prepared.spec,
					permits);
			case ALLOW -> new Decision(true, prepared.limit, Math.max(0, prepared.limit - permits), Duration.ZERO,
					Duration.ZERO);
			case DENY -> new Decision(false, prepared.limit, 0, this.probeInterval, this.probeInterval);
		};
		this.listener.onDecision(DecisionSource.FALLBACK, this.clock.nanoTime() - startNanos);
		return decision;
	}

	/** Starts the background probe loop unless it runs already: called once when Redis becomes unavailable. */
	private void startProbing() {
		if (this.probing.compareAndSet(false, true)) {
			scheduleProbe();
		}
	}

	private void scheduleProbe() {
		try {
			this.prober.schedule(this::probe, this.probeInterval.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// the store is closed
			this.probing.set(false);
		}
	}

	/**
	 * Asks Redis ({@code PING}) when no decision did during the last probe interval, so that an outage ends (and
	 * health recovers) without a request; reschedules itself until Redis answers.
	 */
	private void probe() {
		long startNanos = this.clock.nanoTime();
		if (!this.availability.isAvailable() && this.availability.shouldTry(startNanos)) {
			try {
				this.runner.ping(this.timeoutNanos);
				this.availability.succeeded();
			}
			catch (InterruptedException ex) {
				// the store is closing
				Thread.currentThread().interrupt();
				this.probing.set(false);
				return;
			}
			catch (Exception ex) {
				this.availability.failed(startNanos, this.clock.nanoTime(), ex);
			}
		}
		if (this.availability.isAvailable()) {
			this.probing.set(false);
			// Redis may have failed again between the check and the flag's reset: the flag's owner probes on
			if (this.availability.isAvailable() || !this.probing.compareAndSet(false, true)) {
				return;
			}
		}
		scheduleProbe();
	}

	private PreparedSpec prepare(LimitSpec spec) {
		PreparedSpec last = this.lastPrepared;
		if (last != null && last.spec == spec) {
			return last;
		}
		PreparedSpec prepared = this.preparedSpecs.get(spec, this.preparer);
		this.lastPrepared = prepared;
		return prepared;
	}

	/**
	 * Returns whether Redis answered the last decision that asked it (false during an outage).
	 * @return whether Redis is available
	 */
	public boolean isAvailable() {
		return this.availability.isAvailable();
	}

	/**
	 * Returns the failure policy.
	 * @return the policy
	 */
	public FailurePolicy failurePolicy() {
		return this.failurePolicy;
	}

	/**
	 * Gives back the unspent permits of this instance's leases while Redis is available, as many as it takes within
	 * one {@code timeout} (the others end with their lease), stops the background probe and closes the store's
	 * connection; the connection factory stays open (it belongs to the application). An asynchronous decision in
	 * flight still completes: by Redis's answer, or by the failure policy when its timeout passes.
	 */
	@Override
	public void close() {
		long deadline = System.nanoTime() + this.timeoutNanos;
		List<RedisBoundLimit> bound;
		synchronized (this.leasing) {
			bound = new ArrayList<>(this.leasing);
		}
		if (!isAvailable()) {
			bound.clear();
		}
		for (RedisBoundLimit limit : bound) {
			if (!limit.giveBack(deadline)) {
				break;
			}
		}
		this.prober.shutdownNow();
		this.runner.close();
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, RedisRateLimitStore.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	@Override
	public String toString() {
		return "RedisRateLimitStore[prefix=" + this.keyPrefix + ", timeout=" + Duration.ofNanos(this.timeoutNanos)
				+ ", onFailure=" + this.failurePolicy + ", available=" + isAvailable() + "]";
	}

	/** Builds a {@link RedisRateLimitStore}. Not thread-safe. */
	public static final class Builder {

		private final RedisConnectionFactory connectionFactory;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private Duration timeout = DEFAULT_TIMEOUT;

		private FailurePolicy failurePolicy = FailurePolicy.LOCAL;

		private Clock clock = Clock.system();

		private TimeSource timeSource = TimeSource.REDIS;

		private Listener listener = NO_LISTENER;

		private Duration probeInterval = DEFAULT_PROBE_INTERVAL;

		private Duration maximumKeyTtl = DEFAULT_MAXIMUM_KEY_TTL;

		private long refusalCacheSize = 10_000;

		private long localMaximumKeys = InMemoryRateLimitStore.DEFAULT_MAXIMUM_KEYS;

		private long leasedKeys = 10_000;

		private Builder(RedisConnectionFactory connectionFactory) {
			this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory must not be null");
		}

		/**
		 * Sets the prefix of every Redis key (default {@value RedisRateLimitStore#DEFAULT_KEY_PREFIX}).
		 * @param keyPrefix the prefix, possibly empty; must not contain '{' (the key's hash tag follows it)
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			Objects.requireNonNull(keyPrefix, "keyPrefix must not be null");
			if (keyPrefix.indexOf('{') >= 0) {
				throw InvalidSettingException.of("keyPrefix", keyPrefix, "must not contain '{'");
			}
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * Sets how long a decision waits for Redis before following the failure policy (default 100 ms).
		 * @param timeout the timeout, positive
		 * @return this builder
		 */
		public Builder timeout(Duration timeout) {
			this.timeout = Settings.positive("timeout", timeout);
			return this;
		}

		/**
		 * Sets how decisions are made while Redis is unavailable (default {@link FailurePolicy#LOCAL}).
		 * @param failurePolicy the policy
		 * @return this builder
		 */
		public Builder failurePolicy(FailurePolicy failurePolicy) {
			this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy must not be null");
			return this;
		}

		/**
		 * Sets the clock of the local cache, the probes, the fallback store and latencies, and of the time passed to
		 * Redis with {@link TimeSource#CLIENT} (default {@link Clock#system()}).
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock must not be null");
			return this;
		}

		/**
		 * Sets where the time of a decision comes from (default {@link TimeSource#REDIS}).
		 * @param timeSource the time source
		 * @return this builder
		 */
		public Builder timeSource(TimeSource timeSource) {
			this.timeSource = Objects.requireNonNull(timeSource, "timeSource must not be null");
			return this;
		}

		/**
		 * Sets the listener (default none).
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(Listener listener) {
			this.listener = Objects.requireNonNull(listener, "listener must not be null");
			return this;
		}

		/**
		 * Sets how often Redis is tried while it is unavailable (default 100 ms).
		 * @param probeInterval the interval, positive
		 * @return this builder
		 */
		public Builder probeInterval(Duration probeInterval) {
			this.probeInterval = Settings.positive("probeInterval", probeInterval);
			return this;
		}

		/**
		 * Sets the longest time Redis keeps a key after its last decision (default 31 days). A key whose state would
		 * last longer (a token bucket that never refills, a window longer than that) is forgotten then and starts
		 * fresh; every other key expires as soon as forgetting it changes no answer.
		 * @param maximumKeyTtl the longest TTL, at least 1 ms
		 * @return this builder
		 */
		public Builder maximumKeyTtl(Duration maximumKeyTtl) {
			this.maximumKeyTtl = Settings.positive("maximumKeyTtl", maximumKeyTtl);
			if (maximumKeyTtl.compareTo(Duration.ofMillis(1)) < 0) {
				throw InvalidSettingException.of("maximumKeyTtl", maximumKeyTtl, "must be >= 1ms");
			}
			return this;
		}

		/**
		 * Sets how many keys known to be short of permits are answered locally (default 10,000, per bound limiter and
		 * for direct calls; 0 turns the cache off).
		 * @param refusalCacheSize the bound, at least 0
		 * @return this builder
		 */
		public Builder refusalCacheSize(long refusalCacheSize) {
			if (refusalCacheSize < 0) {
				throw InvalidSettingException.of("refusalCacheSize", refusalCacheSize, "must be >= 0");
			}
			this.refusalCacheSize = refusalCacheSize;
			return this;
		}

		/**
		 * Sets the maximum number of keys of the in-memory store used by {@link FailurePolicy#LOCAL} (default
		 * {@value InMemoryRateLimitStore#DEFAULT_MAXIMUM_KEYS}).
		 * @param localMaximumKeys the bound, at least 1
		 * @return this builder
		 */
		public Builder localMaximumKeys(long localMaximumKeys) {
			if (localMaximumKeys < 1) {
				throw InvalidSettingException.of("localMaximumKeys", localMaximumKeys, "must be >= 1");
			}
			this.localMaximumKeys = localMaximumKeys;
			return this;
		}

		/**
		 * Sets how many keys of a leasing limiter hold a lease at once in this instance (default 10,000; the least
		 * recently used key's lease is dropped first, its unspent permits unused until they expire in Redis).
		 * @param leasedKeys the bound, at least 1
		 * @return this builder
		 */
		public Builder leasedKeys(long leasedKeys) {
			if (leasedKeys < 1) {
				throw new IllegalArgumentException("leasedKeys must be >= 1 (was " + leasedKeys + ")");
			}
			this.leasedKeys = leasedKeys;
			return this;
		}

		/**
		 * Builds the store. It starts connecting in the background (at once if the connection factory is running,
		 * else on the first decision) and returns at once.
		 * @return the store
		 */
		public RedisRateLimitStore build() {
			return new RedisRateLimitStore(this);
		}
	}

}
