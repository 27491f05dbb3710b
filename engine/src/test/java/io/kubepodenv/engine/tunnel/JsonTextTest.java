package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tunnel's own JSON, checked against Jackson. */
class JsonTextTest {
    private final ObjectMapper jackson = new ObjectMapper();

    @Test
    void anyStringIsWrittenAsJsonThatReadsBackTheSame() throws Exception {
        Random random = new Random(11);
        StringBuilder every = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            every.append(c);
        }
        every.append("\u2028\u00e9\ud83d\ude00");
        assertThat(jackson.readValue(JsonText.quote(every.toString()), String.class)).isEqualTo(every.toString());
        for (int i = 0; i < 500; i++) {
            char[] chars = new char[random.nextInt(40)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000));
            }
            String s = new String(chars);
            String written = JsonText.quote(s);
            // a lone surrogate cannot survive any JSON writer unchanged; the JSON must still be valid
            assertThat(jackson.readTree(written).isTextual()).as(written).isTrue();
            if (s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)) {
                assertThat(jackson.readValue(written, String.class)).isEqualTo(s);
            }
        }
    }

    @Test
    void theTopLevelMemberIsReadNotOneNestedOrInsideAString() {
        String status = "{\"kind\":\"Status\",\"note\":\"\\\"message\\\":\\\"decoy in a string\\\"\","
                + "\"details\":{\"causes\":[{\"message\":\"decoy nested\"}]},"
                + "\"message\":\"pods \\\"x-0\\\" is forbidden: \\u00e9 \\\\ done\",\"code\":403}";

        assertThat(JsonText.topLevelString(status, "message")).contains("pods \"x-0\" is forbidden: \u00e9 \\ done");
    }

    @Test
    void whatIsNotAnObjectWithThatStringGivesNothing() {
        assertThat(JsonText.topLevelString("not json \"message\":\"x\"", "message")).isEmpty();
        assertThat(JsonText.topLevelString("{\"message\":42}", "message")).isEmpty();
        assertThat(JsonText.topLevelString("{\"message\":\"unterminated", "message")).isEmpty();
        assertThat(JsonText.topLevelString("{}", "message")).isEmpty();
        assertThat(JsonText.topLevelString("[\"message\",\"x\"]", "message")).isEmpty();
    }
}
