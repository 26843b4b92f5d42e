package dev.limiter.core.ratelimit.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One of the store's Lua scripts, with its SHA-1 digest as {@code EVALSHA} names it: the shared start
 * ({@code prelude.lua}: the instant and the arguments every algorithm takes), the shared parts the algorithm uses
 * ({@code window.lua} for the two windows), then the algorithm's own file, all read from the class path.
 */
final class LuaScript {

	private static final String PRELUDE = "prelude.lua";

	private static final String WINDOW = "window.lua";

	static final LuaScript TOKEN_BUCKET = load("token-bucket.lua");

	static final LuaScript FIXED_WINDOW = load("fixed-window.lua", WINDOW);

	static final LuaScript SLIDING_WINDOW = load("sliding-window.lua", WINDOW);

	private final String name;

	private final byte[] body;

	private final String sha;

	private LuaScript(String name, byte[] body) {
		this.name = name;
		this.body = body;
		this.sha = sha1(body);
	}

	/**
	 * Assembles a script: the prelude, the shared parts given, then the algorithm's own file.
	 * @param name the algorithm's file
	 * @param shared the files of the shared parts it uses, in order
	 */
	static LuaScript load(String name, String... shared) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes(read(PRELUDE));
		for (String part : shared) {
			body.writeBytes(read(part));
		}
		body.writeBytes(read(name));
		return new LuaScript(name, body.toByteArray());
	}

	private static byte[] read(String name) {
		try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Lua script " + name + " is missing from the class path");
			}
			return in.readAllBytes();
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

	/** Returns the script's exact bytes, prelude included (as sent by {@code EVAL}). */
	byte[] body() {
		return this.body;
	}

	/** Returns the lower-case hex SHA-1 of the script's bytes, prelude included. */
	String sha() {
		return this.sha;
	}

	@Override
	public String toString() {
		return this.name + " (" + this.sha + ")";
	}

}
