package dev.limiter.boot.web;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.expression.EvaluationContext;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/** The built-in key resolvers. */
final class KeyResolvers {

	static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private static final EvaluationContext CONTEXT = SimpleEvaluationContext.forReadOnlyDataBinding()
		.withInstanceMethods()
		.build();

	private static final Logger logger = LoggerFactory.getLogger(KeyResolvers.class);

	private KeyResolvers() {
	}

	static @Nullable String principal(HttpServletRequest request) {
		Principal principal = request.getUserPrincipal();
		return (principal != null) ? principal.getName() : null;
	}

	static String path(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		return (contextPath == null || contextPath.isEmpty()) ? uri : uri.substring(contextPath.length());
	}

	static @Nullable String evaluate(Expression expression, HttpServletRequest request) {
		try {
			Object value = expression.getValue(CONTEXT, request);
			return (value != null) ? value.toString() : null;
		}
		catch (EvaluationException ex) {
			logger.debug("Key expression '{}' failed on a request; using the absent key",
					expression.getExpressionString(), ex);
			return null;
		}
	}

}
