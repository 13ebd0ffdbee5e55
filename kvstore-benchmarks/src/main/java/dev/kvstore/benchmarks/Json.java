package dev.kvstore.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the flat JSON lines the Python scripts print: numbers and arrays of numbers. */
final class Json {

    private final String line;

    Json(String line) {
        this.line = line;
    }

    double number(String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*(-?[0-9.eE+-]+)").matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("no number '" + name + "' in " + line);
        }
        return Double.parseDouble(m.group(1));
    }

    double[] numbers(String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*\\[([^\\]]*)\\]").matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("no array '" + name + "' in " + line);
        }
        List<Double> values = new ArrayList<>();
        for (String part : m.group(1).split(",")) {
            if (!part.isBlank()) {
                values.add(Double.parseDouble(part.trim()));
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
