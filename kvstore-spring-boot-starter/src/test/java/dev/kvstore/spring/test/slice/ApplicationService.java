package dev.kvstore.spring.test.slice;

import org.springframework.stereotype.Service;

/** The rest of the application: not part of a {@code @KVStoreTest} slice. */
@Service
class ApplicationService {

}
