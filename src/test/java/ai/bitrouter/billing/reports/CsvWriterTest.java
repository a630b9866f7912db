package ai.bitrouter.billing.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class CsvWriterTest {

    private static String write(List<?>... rows) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CsvWriter csv = new CsvWriter(bytes)) {
            for (List<?> row : rows) {
                csv.row(row);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void fieldsAreQuotedOnlyWhenTheyMustBeAndRecordsEndInCrlf() throws Exception {
        assertEquals("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",,ü\r\n",
                write(Arrays.asList("plain", "a,b", "say \"hi\"", "two\r\nlines", null, "ü")));
    }

    @Test
    void textThatASpreadsheetWouldRunAsAFormulaIsDefused() throws Exception {
        assertEquals("'=1+2,'+SUM(A1),'-3,'@cmd,'\tx,x=1\r\n", write(List.of("=1+2", "+SUM(A1)", "-3", "@cmd", "\tx", "x=1")));
        // Guarded and quoted: the apostrophe goes inside the quotes.
        assertEquals("\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\"\r\n",
                write(List.of("=HYPERLINK(\"http://x\",\"a,b\")")));
    }

    @Test
    void numbersAreWrittenExactlyAndNeverGuarded() throws Exception {
        assertEquals("0.0000021375,-1,42,true\r\n",
                write(List.of(new BigDecimal("2.1375E-6"), -1L, 42, true)));
    }

    @Test
    void usdIsTheExactMicroUsdAmountMovedSixPlaces() {
        assertEquals("0.0000021375", FocusCsv.usd(new BigDecimal("2.1375")).toPlainString());
        assertEquals("0", FocusCsv.usd(new BigDecimal("0.000")).toPlainString());
        assertEquals("1.35", FocusCsv.usd(new BigDecimal("1350000")).toPlainString());
    }

    @Test
    void theReaderUsedByTheApiTestsRoundTripsWhatTheWriterWrites() throws Exception {
        List<String> row = List.of("a,b", "\"q\"", "x\r\ny", "", "'=f");
        assertEquals(List.of(row), ReportFixtures.parseCsv(write(row)));
    }
}
