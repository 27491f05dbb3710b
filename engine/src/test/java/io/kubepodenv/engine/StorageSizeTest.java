package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StorageSizeTest {

    @ParameterizedTest
    @CsvSource({"5,5", "12.5,12.5", "12.50,12.5", "5.0,5", "10,10", "100,100", "0.5,0.5", "0.125,0.125",
        "' 7 ',7", "65536,65536"})
    void rendersThePlainNumber(String text, String rendered) {
        assertThat(StorageSize.parse(text).render()).isEqualTo(rendered);
    }

    @Test
    void defaultIsFiveGib() {
        assertThat(StorageSize.DEFAULT.render()).isEqualTo("5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "5Gi", "-1", "+5", "1e3", "five", "5,5", ".5", "5."})
    void refusesWhatIsNotAPlainNumber(String text) {
        assertThatThrownBy(() -> StorageSize.parse(text)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("is not a number of GiB");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> StorageSize.parse(null)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0.0", "0.000"})
    void refusesZero(String text) {
        assertThatThrownBy(() -> StorageSize.parse(text)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("must be a positive number");
    }

    @Test
    void refusesMoreThanTheMaximum() {
        assertThatThrownBy(() -> StorageSize.parse("65537")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("more than the 65536 GiB allowed");
    }

    @Test
    void refusesMoreThanThreeDecimals() {
        assertThatThrownBy(() -> StorageSize.parse("1.0001")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("at most 3 decimals");
    }

    @Test
    void equalSizesWrittenDifferentlyAreEqual() {
        assertThat(new StorageSize(new BigDecimal("12.50"))).isEqualTo(StorageSize.parse("12.5"));
    }
}
