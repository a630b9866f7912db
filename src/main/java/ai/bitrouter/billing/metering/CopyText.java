package ai.bitrouter.billing.metering;

import java.nio.charset.StandardCharsets;

/**
 * Rows in PostgreSQL's {@code COPY ... FROM STDIN} text format: a tab between columns, a newline after each row,
 * {@code \N} for null, and backslash, tab, newline and carriage return escaped, so that any string a router sends
 * (unicode, SQL metacharacters, control characters) arrives exactly. A NUL character cannot be stored in a text
 * column at all; PostgreSQL refuses it as data (SQLSTATE 22), and the consumer isolates that row.
 */
final class CopyText {
    private final StringBuilder text;
    private boolean rowStart = true;

    CopyText(int expectedRows, int bytesPerRow) {
        this.text = new StringBuilder(Math.max(16, expectedRows * bytesPerRow));
    }

    /** One column; {@code null} is SQL NULL. The value is the column's text input form. */
    CopyText column(String value) {
        if (!rowStart) {
            text.append('\t');
        }
        rowStart = false;
        if (value == null) {
            text.append("\\N");
            return this;
        }
        int first = firstSpecial(value);
        if (first < 0) {
            // The common case (ids, numbers, times): nothing to escape, one bulk copy.
            text.append(value);
            return this;
        }
        text.append(value, 0, first);
        for (int i = first; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> text.append("\\\\");
                case '\t' -> text.append("\\t");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                default -> text.append(ch);
            }
        }
        return this;
    }

    private static int firstSpecial(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
                return i;
            }
        }
        return -1;
    }

    CopyText endRow() {
        text.append('\n');
        rowStart = true;
        return this;
    }

    byte[] bytes() {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
