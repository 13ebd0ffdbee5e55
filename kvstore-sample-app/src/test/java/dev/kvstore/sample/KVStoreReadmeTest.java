package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresTorch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's sample-app examples, as a user pastes them: every fenced {@code bash} block under a heading that starts
 * with "Try it" in the "The sample app" section, read from README.md (never copied here), run with bash in the
 * repository's directory, top to bottom, against the packaged app ({@code java -jar target/kvstore-sample-app.jar}),
 * each block's output checked against the fenced {@code text} block that follows it.
 *
 * <p>Only the ports change: the README's 8080, 8081 and 29500 become free ones, so that the test never meets another
 * process on the machine. In the shown output {@code …} stands for any text on that line; lines are matched in any
 * order, because commands run in the background ({@code &}) print when they finish.
 *
 * <p>Runs in the {@code integration-test} phase (JUnit tag {@value #TAG}), after {@code package} built the jar:
 * {@code ./mvnw -B -pl kvstore-sample-app -am verify -Dtest=KVStoreReadmeTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag(KVStoreReadmeTest.TAG)
@RequiresTorch
class KVStoreReadmeTest {

    /** The JUnit tag of tests that need the packaged application. */
    static final String TAG = "packaged";

    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Path README = REPOSITORY.resolve("README.md");
    private static final Path JAR = REPOSITORY.resolve("kvstore-sample-app/target/kvstore-sample-app.jar");
    private static final Duration START = Duration.ofSeconds(120);
    /** Bound of one block: its waits are 30 s at most, starting a second app takes seconds. */
    private static final Duration BLOCK = Duration.ofSeconds(180);
    private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```\\n", Pattern.DOTALL);

    /** One "Try it" example: its heading, the script, and the output shown. */
    record Example(String heading, String script, List<String> output) {
    }

    @Test
    void everyTryItBlockRunsAsWrittenAndPrintsWhatIsShown() throws Exception {
        assertThat(JAR).as("the packaged app: run the test in the verify phase, after package").isRegularFile();
        List<Example> examples = examples(Files.readString(README));
        assertThat(examples).as("the 'Try it' examples of README.md's sample-app section")
            .hasSizeGreaterThanOrEqualTo(3);
        Map<String, String> ports = Map.of("8080", String.valueOf(FreePorts.pick()), "8081",
                String.valueOf(FreePorts.pick()), "29500", String.valueOf(FreePorts.pick()));
        Path log = Files.createTempFile("kvstore-readme-app", ".log");
        ProcessBuilder builder = new ProcessBuilder(javaCommand("--server.port=" + ports.get("8080"),
                "--kvstore.tcp.port=" + ports.get("29500"))).redirectErrorStream(true).redirectOutput(log.toFile());
        withoutTorchrunEnvironment(builder);
        Process app = builder.start();
        try {
            Http http = new Http(Integer.parseInt(ports.get("8080")));
            await().atMost(START).ignoreExceptions()
                .until(() -> http.get("/actuator/health/readiness").statusCode() == 200);
            for (Example example : examples) {
                String output = run(withPorts(example.script(), ports));
                assertOutput(example, withPorts(output, reversed(ports)));
            }
        } finally {
            stop(app.toHandle());
            Files.deleteIfExists(log);
        }
    }

    /** @return the examples of the sample-app section, in the README's order */
    static List<Example> examples(String readme) {
        int start = readme.indexOf("\n## The sample app\n");
        assertThat(start).as("README.md's '## The sample app' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, (end < 0) ? readme.length() : end);
        List<Example> examples = new ArrayList<>();
        Matcher heading = Pattern.compile("(?m)^#+ (Try it.*)$").matcher(section);
        while (heading.find()) {
            Matcher fence = FENCE.matcher(section);
            int from = heading.end();
            assertThat(fence.find(from)).as("a ```bash block under '%s'", heading.group(1)).isTrue();
            assertThat(fence.group(1)).as("the first block under '%s'", heading.group(1)).isEqualTo("bash");
            String script = fence.group(2);
            assertThat(fence.find(fence.end())).as("a ```text block after the script of '%s'", heading.group(1))
                .isTrue();
            assertThat(fence.group(1)).as("the output block of '%s'", heading.group(1)).isEqualTo("text");
            examples.add(new Example(heading.group(1), script, fence.group(2).lines().toList()));
        }
        return examples;
    }

    private static String run(String script) throws Exception {
        Path file = Files.createTempFile("kvstore-readme", ".sh");
        Files.writeString(file, script);
        ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).directory(REPOSITORY.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        withoutTorchrunEnvironment(builder);
        Process bash = builder.start();
        try {
            // Read until the script's output ends: background commands (&) inherit it, so this waits for them too.
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            String printed;
            try {
                printed = output.get(BLOCK.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException ex) {
                throw new AssertionError("the block did not end within " + BLOCK + ":\n" + script, ex);
            }
            assertThat(bash.waitFor(BLOCK.toMillis(), TimeUnit.MILLISECONDS)).as("the block ended within %s", BLOCK)
                .isTrue();
            assertThat(bash.exitValue()).as("exit status of:%n%s%noutput:%n%s", script, printed).isZero();
            return printed;
        } finally {
            stop(bash.toHandle());
            Files.deleteIfExists(file);
        }
    }

    /** Never inherit a torchrun environment from the build: the README's commands name their ports. */
    private static void withoutTorchrunEnvironment(ProcessBuilder builder) {
        builder.environment().keySet().removeAll(List.of("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE"));
    }

    private static void assertOutput(Example example, String output) {
        List<String> actual = output.lines().filter((line) -> !line.isBlank()).collect(Collectors.toList());
        List<String> expected = example.output().stream().filter((line) -> !line.isBlank()).toList();
        List<String> unmatched = new ArrayList<>();
        for (String shown : expected) {
            Pattern pattern = shownLine(shown);
            int index = -1;
            for (int i = 0; i < actual.size() && index < 0; i++) {
                if (pattern.matcher(actual.get(i)).matches()) {
                    index = i;
                }
            }
            if (index < 0) {
                unmatched.add(shown);
            } else {
                actual.remove(index);
            }
        }
        assertThat(unmatched).as("lines shown under '%s' that it did not print; it printed:%n%s", example.heading(),
                output).isEmpty();
        assertThat(actual).as("lines printed by '%s' that the README does not show", example.heading()).isEmpty();
    }

    /** @return a line of shown output as a pattern: {@code …} matches any text, everything else itself */
    static Pattern shownLine(String shown) {
        return Pattern.compile(java.util.Arrays.stream(shown.split("…", -1)).map(Pattern::quote)
                .collect(Collectors.joining(".*")));
    }

    private static String withPorts(String text, Map<String, String> ports) {
        String result = text;
        for (Map.Entry<String, String> port : ports.entrySet()) {
            result = result.replaceAll("\\b" + port.getKey() + "\\b", port.getValue());
        }
        return result;
    }

    private static Map<String, String> reversed(Map<String, String> ports) {
        return ports.entrySet().stream().collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey));
    }

    private static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Ends a process and whatever it left running (a block's background app), SIGTERM first. */
    private static void stop(ProcessHandle process) {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process);
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception ex) {
                handle.destroyForcibly();
            }
        }
    }

}
