package dev.kvstore.sample;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Adds {@link ProblemReportValve} to the host after Boot's own error report valve: the valve nearer the application
 * reports first, so Tomcat's errors are written as problem details and Boot's HTML page stays silent.
 */
@Component
class ProblemReportValveCustomizer implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(
                (context) -> context.getParent().getPipeline().addValve(new ProblemReportValve()));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
