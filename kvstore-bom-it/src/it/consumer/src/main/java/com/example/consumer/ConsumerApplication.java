package com.example.consumer;

import dev.kvstore.api.KVStore;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;

@SpringBootApplication
public class ConsumerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConsumerApplication.class, args);
    }

    @Service
    public static class Rendezvous {

        private final KVStore store;

        Rendezvous(KVStore store) {
            this.store = store;
        }

        public void ready(int rank) {
            store.set("rank:" + rank + "/ready", "1");
        }

        public boolean isReady(int rank) {
            return store.exists("rank:" + rank + "/ready");
        }

    }

}
