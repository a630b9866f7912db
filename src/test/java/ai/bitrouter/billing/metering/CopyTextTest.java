package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** COPY's text format, byte for byte: what PostgreSQL reads back must be exactly what the router sent. */
class CopyTextTest {

    @Test
    void plainValuesAreCopiedAsTheyAreAndNullIsBackslashN() {
        String row = new CopyText(1, 64).column("req_1").column(null).column("2026-11-02T10:00:00Z").endRow()
                .toString();
        assertEquals("req_1\t\\N\t2026-11-02T10:00:00Z\n", row);
    }

    @Test
    void backslashTabNewlineAndCarriageReturnAreEscapedWhereverTheyAppear() {
        String row = new CopyText(1, 64).column("a\\b\tc\nd\re").column("\\").column("x\t").endRow().toString();
        assertEquals("a\\\\b\\tc\\nd\\re\t\\\\\tx\\t\n", row);
    }

    @Test
    void theLiteralTextBackslashNIsNotNull() {
        assertEquals("\\\\N\n", new CopyText(1, 8).column("\\N").endRow().toString());
    }

    @Test
    void unicodeAndSqlMetacharactersPassUnchangedAsUtf8() {
        String odd = "ns-'; DROP TABLE x;--\u00e9\u4e2d\ud83d\ude80\"";
        byte[] bytes = new CopyText(1, 64).column(odd).endRow().bytes();
        assertEquals(odd + "\n", new String(bytes, StandardCharsets.UTF_8));
    }
}
