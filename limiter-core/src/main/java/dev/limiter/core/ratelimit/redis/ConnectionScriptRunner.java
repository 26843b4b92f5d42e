package dev.limiter.core.ratelimit.redis;

import java.util.List;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;

/**
 * Runs scripts through Spring Data Redis's synchronous scripting API, for drivers other than Lettuce (Jedis). The
 * store's timeout cannot interrupt such a call: the driver's own timeout bounds it.
 */
final class ConnectionScriptRunner implements ScriptRunner {

	private final RedisConnectionFactory factory;

	ConnectionScriptRunner(RedisConnectionFactory factory) {
		this.factory = factory;
	}

	@Override
	public List<Object> run(LuaScript script, byte[] key, byte[][] args, long timeoutNanos) {
		byte[][] keysAndArgs = new byte[args.length + 1][];
		keysAndArgs[0] = key;
		System.arraycopy(args, 0, keysAndArgs, 1, args.length);
		try (RedisConnection connection = this.factory.getConnection()) {
			try {
				return connection.scriptingCommands().evalSha(script.sha(), ReturnType.MULTI, 1, keysAndArgs);
			}
			catch (RuntimeException ex) {
				if (!isNoScript(ex)) {
					throw ex;
				}
				return connection.scriptingCommands().eval(script.body(), ReturnType.MULTI, 1, keysAndArgs);
			}
		}
	}

	@Override
	public void ping(long timeoutNanos) {
		try (RedisConnection connection = this.factory.getConnection()) {
			connection.ping();
		}
	}

	static boolean isNoScript(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			String message = cause.getMessage();
			if (message != null && message.contains("NOSCRIPT")) {
				return true;
			}
		}
		return false;
	}

	@Override
	public void close() {
	}

}
