package dev.limiter.boot.web.reactive;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.List;

import dev.limiter.boot.web.RequestKey;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * The root object of a SpEL rate-limit key ({@code limiter.web.rules[].key}) in a WebFlux application. It offers the
 * accessors of a servlet request that keys commonly use, with the same meaning, so that one expression works on both
 * stacks: {@code getHeader('X-Tenant') + ':' + remoteAddr}, {@code userPrincipal?.name}, {@code method},
 * {@code requestURI}, {@code getParameter('tenant')}. The exchange and its request are there for anything else
 * ({@code request.headers.getFirst('X-Tenant')}). The principal is resolved before the expression runs, and only
 * for expressions that name it (see {@link RequestKey#needsPrincipal()}); for others it is {@code null}.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ExchangeKeyRoot {

	private final ServerWebExchange exchange;

	private final @Nullable Principal principal;

	/**
	 * Creates the root of one evaluation.
	 * @param exchange the exchange
	 * @param principal the authenticated principal, or {@code null}
	 */
	public ExchangeKeyRoot(ServerWebExchange exchange, @Nullable Principal principal) {
		this.exchange = exchange;
		this.principal = principal;
	}

	/**
	 * Returns the exchange.
	 * @return the exchange
	 */
	public ServerWebExchange getExchange() {
		return this.exchange;
	}

	/**
	 * Returns the request.
	 * @return the request
	 */
	public ServerHttpRequest getRequest() {
		return this.exchange.getRequest();
	}

	/**
	 * Returns the first value of a request header, as {@code HttpServletRequest.getHeader} does.
	 * @param name the header name, any case
	 * @return the value, or {@code null}
	 */
	public @Nullable String getHeader(String name) {
		return this.exchange.getRequest().getHeaders().getFirst(name);
	}

	/**
	 * Returns every value of a request header.
	 * @param name the header name, any case
	 * @return the values, empty when there are none
	 */
	public List<String> getHeaders(String name) {
		return this.exchange.getRequest().getHeaders().getOrEmpty(name);
	}

	/**
	 * Returns the first value of a query parameter.
	 * @param name the parameter name
	 * @return the value, or {@code null}
	 */
	public @Nullable String getParameter(String name) {
		return this.exchange.getRequest().getQueryParams().getFirst(name);
	}

	/**
	 * Returns the HTTP method.
	 * @return the method, upper case
	 */
	public String getMethod() {
		return this.exchange.getRequest().getMethod().name();
	}

	/**
	 * Returns the raw request path, as {@code HttpServletRequest.getRequestURI} does.
	 * @return the path, not decoded
	 */
	public String getRequestURI() {
		return this.exchange.getRequest().getPath().value();
	}

	/**
	 * Returns the raw query string.
	 * @return the query, or {@code null}
	 */
	public @Nullable String getQueryString() {
		return this.exchange.getRequest().getURI().getRawQuery();
	}

	/**
	 * Returns the address of the connection's peer (not the client behind proxies; the {@code ip} key is for that).
	 * @return the address literal, or {@code null} if unknown
	 */
	public @Nullable String getRemoteAddr() {
		return remoteAddress(this.exchange.getRequest());
	}

	/**
	 * Returns the authenticated principal.
	 * @return the principal, or {@code null}
	 */
	public @Nullable Principal getUserPrincipal() {
		return this.principal;
	}

	/**
	 * Returns the name of the authenticated principal.
	 * @return the name, or {@code null}
	 */
	public @Nullable String getRemoteUser() {
		return (this.principal != null) ? this.principal.getName() : null;
	}

	static @Nullable String remoteAddress(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null) {
			return null;
		}
		InetAddress address = remote.getAddress();
		return (address != null) ? address.getHostAddress() : remote.getHostString();
	}

}
