package dev.limiter.boot.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Finds the address of the client that sent a request, honouring {@code X-Forwarded-For} only from trusted proxies.
 *
 * <p>Without trusted proxies the answer is the connection's remote address and the header is ignored (a client can
 * write anything in it). With trusted proxies, and only when the remote address is one of them, the header's
 * entries are walked from right to left (the right-most entry was written by the nearest proxy): every entry that
 * is itself a trusted proxy is skipped, and the first one that is not is the client. If every entry is trusted the
 * left-most one is the client. A malformed entry (not an IPv4 or IPv6 literal, optionally with a port) stops the
 * walk and the last well-formed hop is the answer: a malformed header never throws and never lets a client choose
 * its own key. Host names are never looked up.
 *
 * <p>Addresses are returned in canonical text form when a header was read, so that differently written forms of
 * one IPv6 address count as one client. Thread-safe and immutable.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ClientAddressResolver {

	/** The header proxies append the address they received a request from to. */
	public static final String X_FORWARDED_FOR = "X-Forwarded-For";

	private final Cidr[] trustedProxies;

	/**
	 * Creates a resolver.
	 * @param trustedProxies CIDR ranges ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses of trusted
	 * proxies; empty to ignore {@code X-Forwarded-For}
	 * @throws IllegalArgumentException if a range is not a valid IPv4 or IPv6 CIDR
	 */
	public ClientAddressResolver(List<String> trustedProxies) {
		Objects.requireNonNull(trustedProxies, "trustedProxies must not be null");
		this.trustedProxies = new Cidr[trustedProxies.size()];
		for (int i = 0; i < this.trustedProxies.length; i++) {
			this.trustedProxies[i] = Cidr.parse(trustedProxies.get(i));
		}
	}

	/**
	 * Returns the address of the client that sent the request.
	 * @param request the request
	 * @return the client's address, never {@code null}
	 */
	public String resolve(HttpServletRequest request) {
		String remote = request.getRemoteAddr();
		if (this.trustedProxies.length == 0 || remote == null) {
			return (remote != null) ? remote : "";
		}
		byte[] remoteBytes = parseAddress(remote);
		if (remoteBytes == null || !isTrusted(remoteBytes)) {
			return remote;
		}
		List<String> entries = forwardedEntries(request);
		byte[] client = remoteBytes;
		for (int i = entries.size() - 1; i >= 0; i--) {
			byte[] hop = parseAddress(stripPort(entries.get(i).trim()));
			if (hop == null) {
				break;
			}
			client = hop;
			if (!isTrusted(hop)) {
				break;
			}
		}
		return format(client);
	}

	/**
	 * Returns whether the address is in one of the trusted proxy ranges.
	 * @param address an IPv4 or IPv6 literal
	 * @return whether it is a trusted proxy; {@code false} for anything that is not an address literal
	 */
	public boolean isTrustedProxy(String address) {
		byte[] bytes = parseAddress(address);
		return bytes != null && isTrusted(bytes);
	}

	private boolean isTrusted(byte[] address) {
		for (Cidr cidr : this.trustedProxies) {
			if (cidr.contains(address)) {
				return true;
			}
		}
		return false;
	}

	private static List<String> forwardedEntries(HttpServletRequest request) {
		List<String> entries = new ArrayList<>();
		Enumeration<String> headers = request.getHeaders(X_FORWARDED_FOR);
		if (headers == null) {
			return entries;
		}
		while (headers.hasMoreElements()) {
			String header = headers.nextElement();
			if (header == null) {
				continue;
			}
			int start = 0;
			while (start <= header.length()) {
				int comma = header.indexOf(',', start);
				int end = (comma < 0) ? header.length() : comma;
				entries.add(header.substring(start, end));
				start = end + 1;
			}
		}
		return entries;
	}

	private static String stripPort(String entry) {
		if (entry.startsWith("[")) {
			int close = entry.indexOf(']');
			return (close > 0) ? entry.substring(1, close) : entry;
		}
		int colon = entry.indexOf(':');
		if (colon > 0 && entry.indexOf(':', colon + 1) < 0) {
			return entry.substring(0, colon); // IPv4 with a port
		}
		return entry;
	}

	private static String format(byte[] address) {
		try {
			return InetAddress.getByAddress(address).getHostAddress();
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex); // cannot happen: the length is 4 or 16
		}
	}

	/**
	 * Parses an IPv4 dotted quad or an IPv6 literal without any name lookup.
	 * @param text the text
	 * @return the address bytes (4 or 16), or {@code null} when the text is not an address literal
	 */
	static byte @Nullable [] parseAddress(String text) {
		if (text.isEmpty() || text.length() > 45) {
			return null;
		}
		if (text.indexOf(':') < 0) {
			return parseIpv4(text);
		}
		if (text.charAt(0) == '.') {
			return null;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
					|| c == '.';
			if (!valid) {
				return null;
			}
		}
		try {
			// Starting with a hex digit or ':' and containing ':', the text is parsed as an IPv6 literal or
			// rejected by InetAddress; it is never looked up.
			byte[] bytes = InetAddress.getByName(text).getAddress();
			return (bytes.length == 16 || bytes.length == 4) ? bytes : null;
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	private static byte @Nullable [] parseIpv4(String text) {
		byte[] bytes = new byte[4];
		int part = 0;
		int value = -1;
		for (int i = 0; i <= text.length(); i++) {
			char c = (i < text.length()) ? text.charAt(i) : '.';
			if (c == '.') {
				if (value < 0 || part == 4) {
					return null;
				}
				bytes[part++] = (byte) value;
				value = -1;
			}
			else if (c >= '0' && c <= '9') {
				value = ((value < 0) ? 0 : value * 10) + (c - '0');
				if (value > 255) {
					return null;
				}
			}
			else {
				return null;
			}
		}
		return (part == 4) ? bytes : null;
	}

	/** An address range: network bytes and a prefix length in bits. */
	private record Cidr(byte[] network, int prefix) {

		static Cidr parse(String text) {
			String value = text.trim();
			int slash = value.indexOf('/');
			String address = (slash < 0) ? value : value.substring(0, slash);
			byte[] bytes = parseAddress(address);
			if (bytes == null) {
				throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or CIDR range");
			}
			int maxPrefix = bytes.length * 8;
			int prefix = maxPrefix;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(value.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
				if (prefix < 0 || prefix > maxPrefix) {
					throw new IllegalArgumentException(
							"'" + text + "' has a prefix length outside 0.." + maxPrefix);
				}
			}
			return new Cidr(bytes, prefix);
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int full = this.prefix / 8;
			for (int i = 0; i < full; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[full] & mask) == (this.network[full] & mask);
		}

	}

}
