package dev.kvstore.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A Spring Boot service that takes part in a distributed job's coordination through the injected
 * {@link dev.kvstore.api.KVStore}. By default it hosts the TCPStore master itself, so it needs no external server.
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleLimits.class)
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
