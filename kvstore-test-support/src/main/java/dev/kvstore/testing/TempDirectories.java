package dev.kvstore.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes the temporary directories the test servers create (etcd data, test certificates). */
final class TempDirectories {

    private static final Logger log = LoggerFactory.getLogger(TempDirectories.class);

    private TempDirectories() {
    }

    /** Deletes a temp directory and everything in it; what cannot be deleted is logged and left. */
    static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Cannot delete temp dir {}: {}", root, e.toString());
        }
    }
}
