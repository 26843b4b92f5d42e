package dev.limiter.core.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** One of the store's Lua scripts, read from the class path, with its SHA-1 digest as {@code EVALSHA} names it. */
final class LuaScript {

	static final LuaScript TOKEN_BUCKET = load("token-bucket.lua");

	static final LuaScript FIXED_WINDOW = load("fixed-window.lua");

	static final LuaScript SLIDING_WINDOW = load("sliding-window.lua");

	private final String name;

	private final byte[] body;

	private final String sha;

	private LuaScript(String name, byte[] body) {
		this.name = name;
		this.body = body;
		this.sha = sha1(body);
	}

	static LuaScript load(String name) {
		try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Lua script " + name + " is missing from the class path");
			}
			return new LuaScript(name, in.readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read Lua script " + name, ex);
		}
	}

	static String sha1(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is not available", ex);
		}
	}

	/** Returns the script's file name. */
	String name() {
		return this.name;
	}

	/** Returns the script's exact bytes (as sent by {@code EVAL}). */
	byte[] body() {
		return this.body;
	}

	/** Returns the lower-case hex SHA-1 of the script's bytes. */
	String sha() {
		return this.sha;
	}

	@Override
	public String toString() {
		return this.name + " (" + this.sha + ")";
	}

}
