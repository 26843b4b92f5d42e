package dev.limiter.boot.autoconfigure.dashboard;

import java.util.Optional;

import dev.limiter.boot.actuate.LimiterEndpoint;
import dev.limiter.boot.dashboard.DashboardAccess;
import dev.limiter.boot.dashboard.LimiterDashboard;
import dev.limiter.boot.dashboard.LimiterDashboardHandler;
import dev.limiter.boot.dashboard.SpringSecurityDashboardAccess;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnResource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.access.WebInvocationPrivilegeEvaluator;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Serves the live dashboard in the management context, on the management port when there is one, at
 * {@code {management.endpoints.web.base-path}/limiter-dashboard}. With Spring Security, the page shows controls only to
 * users its rules let write to the {@code limiter} endpoint, and writes carry their CSRF token.
 *
 * @author limiter
 * @since 0.1.0
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ ConditionalOnAvailableEndpoint.class, RouterFunction.class, JsonMapper.class })
@ConditionalOnAvailableEndpoint(LimiterEndpoint.class)
@ConditionalOnBooleanProperty(name = "limiter.dashboard.enabled", matchIfMissing = true)
@ConditionalOnResource(resources = LimiterDashboardAutoConfiguration.UPLOT)
public class LimiterDashboardManagementContextConfiguration {

	@Bean
	RouterFunction<ServerResponse> limiterDashboardRoutes(ObjectProvider<LimiterDashboard> dashboard,
			ObjectProvider<DashboardAccess> access, WebEndpointProperties properties) {
		LimiterDashboard model = dashboard.getIfAvailable();
		if (model == null) {
			return (request) -> Optional.empty();
		}
		return new LimiterDashboardHandler(model, access.getIfAvailable(() -> DashboardAccess.OPEN))
			.routes(properties.getBasePath());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebInvocationPrivilegeEvaluator.class)
	static class SpringSecurityAccessConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DashboardAccess limiterDashboardAccess(ObjectProvider<WebInvocationPrivilegeEvaluator> evaluator) {
			return new SpringSecurityDashboardAccess(evaluator::getIfUnique);
		}

	}

}
