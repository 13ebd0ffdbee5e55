package dev.kvstore.api;

import java.util.Comparator;

/**
 * Orders strings so that runs of digits compare by numeric value: {@code rank:2} before {@code rank:10}.
 * Equal numbers with different leading zeros fall back to plain string order, so the order is total.
 */
public final class NaturalOrder implements Comparator<String> {

    /** The shared instance. */
    public static final NaturalOrder INSTANCE = new NaturalOrder();

    private NaturalOrder() {
    }

    @Override
    public int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (isDigit(ca) && isDigit(cb)) {
                int endA = digitRunEnd(a, i);
                int endB = digitRunEnd(b, j);
                int byValue = compareDigitRuns(a, i, endA, b, j, endB);
                if (byValue != 0) {
                    return byValue;
                }
                i = endA;
                j = endB;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int byLength = Integer.compare(a.length() - i, b.length() - j);
        return byLength != 0 ? byLength : a.compareTo(b);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int digitRunEnd(String s, int from) {
        int end = from;
        while (end < s.length() && isDigit(s.charAt(end))) {
            end++;
        }
        return end;
    }

    /** Compares two digit runs by value without parsing, so arbitrarily long runs cannot overflow. */
    private static int compareDigitRuns(String a, int startA, int endA, String b, int startB, int endB) {
        while (startA < endA - 1 && a.charAt(startA) == '0') {
            startA++;
        }
        while (startB < endB - 1 && b.charAt(startB) == '0') {
            startB++;
        }
        int byLength = Integer.compare(endA - startA, endB - startB);
        if (byLength != 0) {
            return byLength;
        }
        for (; startA < endA; startA++, startB++) {
            int byDigit = Character.compare(a.charAt(startA), b.charAt(startB));
            if (byDigit != 0) {
                return byDigit;
            }
        }
        return 0;
    }
}
