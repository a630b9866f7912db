package ai.bitrouter.billing.stripestandin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FormParamsTest {
    @Test
    void bracketsBecomeMapsAndIndexedKeysLists() {
        FormParams p = FormParams.parse("customer=cus_1&metadata[0]=zero&metadata[k]=v%20w"
                + "&lines[1][amount]=-5&lines[0][amount]=7&lines[0][period][start]=1&enabled_events[]=a&enabled_events[]=b");
        assertEquals("cus_1", p.string("customer"));
        assertEquals(Map.of("0", "zero", "k", "v w"), p.tree().get("metadata"));
        List<?> lines = (List<?>) p.tree().get("lines");
        assertEquals("7", ((Map<?, ?>) lines.get(0)).get("amount"));
        assertEquals("-5", ((Map<?, ?>) lines.get(1)).get("amount"));
        assertEquals(Map.of("start", "1"), ((Map<?, ?>) lines.get(0)).get("period"));
        assertEquals(List.of("a", "b"), p.tree().get("enabled_events"));
    }

    @Test
    void theSameParametersInAnotherOrderCompareEqual() {
        assertEquals(FormParams.parse("a=1&b=2").canonical(), FormParams.parse("b=2&a=1").canonical());
    }
}
