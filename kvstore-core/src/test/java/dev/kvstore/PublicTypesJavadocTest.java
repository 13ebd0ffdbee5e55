package dev.kvstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public type of a published module's main code has a javadoc comment saying what it is for (issue #13). The
 * sources are parsed with the JDK's compiler (no javadoc run, so the default build stays fast): a type counts as public
 * when it and every type enclosing it are public, as javadoc would show it.
 */
class PublicTypesJavadocTest {

    /** The modules users get from Maven Central (the sample app and the benchmarks are not published). */
    static final List<String> PUBLISHED_MODULES =
        List.of("kvstore-core", "kvstore-spring-boot-starter", "kvstore-test-support");

    @Test
    void everyPublicTypeOfThePublishedModulesHasJavadoc() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String module : PUBLISHED_MODULES) {
            sources.addAll(javaSources(projectRoot().resolve(module).resolve("src/main/java")));
        }
        List<String> undocumented = new ArrayList<>();
        int publicTypes = scan(sources, undocumented);

        assertThat(publicTypes).as("public types found (the scan must see the sources)").isGreaterThan(100);
        assertThat(undocumented).as("public types without a javadoc comment saying what they are for").isEmpty();
    }

    @Test
    void theScanFindsAnUndocumentedPublicType(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("Sample.java");
        Files.writeString(file, """
            package sample;

            /** Documented. */
            public final class Sample {
                public interface Undocumented {
                    final class ImplicitlyPublicToo {}

                    /** Documented. */
                    default void method() {
                        class LocalNeedsNone {}
                    }
                }

                /** Documented. */
                @Deprecated
                public record Fine(int x) {}

                private static final class HiddenNeedsNone {
                    public static final class StillHidden {}
                }
            }

            class PackagePrivate {}
            """);
        List<String> undocumented = new ArrayList<>();

        assertThat(scan(List.of(file), undocumented)).isEqualTo(4);
        assertThat(undocumented).extracting(s -> s.substring(s.indexOf(": ") + 2))
            .containsExactly("sample.Sample.Undocumented", "sample.Sample.Undocumented.ImplicitlyPublicToo");
    }

    /** Parses the sources; adds "file: type" for each undocumented public type; returns how many public types. */
    private static int scan(List<Path> sources, List<String> undocumented) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("the JDK's compiler, to parse the sources (a JRE has none)").isNotNull();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, null)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            JavacTask task = (JavacTask) compiler.getTask(null, files, null, List.of("-proc:none"), null, units);
            DocTrees docs = DocTrees.instance(task);
            PublicTypes publicTypes = new PublicTypes(docs, undocumented);
            for (CompilationUnitTree unit : task.parse()) {
                publicTypes.scan(unit, null);
            }
            return publicTypes.count;
        }
    }

    private static Path projectRoot() {
        // Surefire runs in the module's directory (and sets basedir); the published modules are its siblings.
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    }

    private static List<Path> javaSources(Path dir) {
        assertThat(dir).isDirectory();
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Visits type declarations, keeping track of whether the enclosing types are public. */
    private static final class PublicTypes extends TreePathScanner<Void, Void> {

        private final DocTrees docs;
        private final List<String> undocumented;
        private final Deque<ClassTree> enclosing = new ArrayDeque<>();
        private int count;

        PublicTypes(DocTrees docs, List<String> undocumented) {
            this.docs = docs;
            this.undocumented = undocumented;
        }

        @Override
        public Void visitClass(ClassTree type, Void unused) {
            if (!isVisible(type)) {
                return null; // nothing inside a hidden type is public API
            }
            count++;
            DocCommentTree doc = docs.getDocCommentTree(getCurrentPath());
            if (doc == null || doc.getFirstSentence().isEmpty()) {
                undocumented.add(getCurrentPath().getCompilationUnit().getSourceFile().getName() + ": " + name(type));
            }
            enclosing.push(type);
            try {
                return super.visitClass(type, unused);
            } finally {
                enclosing.pop();
            }
        }

        private boolean isVisible(ClassTree type) {
            if (type.getSimpleName().isEmpty()) {
                return false; // an anonymous class
            }
            if (type.getModifiers().getFlags().contains(Modifier.PUBLIC)) {
                return true;
            }
            // Members of an interface or annotation are public without saying so (local classes in its methods not).
            Tree parent = getCurrentPath().getParentPath().getLeaf();
            return parent.getKind() == Tree.Kind.INTERFACE || parent.getKind() == Tree.Kind.ANNOTATION_TYPE;
        }

        private String name(ClassTree type) {
            StringBuilder name = new StringBuilder(type.getSimpleName());
            for (ClassTree outer : enclosing) {
                name.insert(0, outer.getSimpleName() + ".");
            }
            var pkg = getCurrentPath().getCompilationUnit().getPackageName();
            return (pkg == null ? "" : pkg + ".") + name;
        }
    }
}
