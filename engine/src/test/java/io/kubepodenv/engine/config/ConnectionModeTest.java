package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

class ConnectionModeTest {

    @Test
    void parsesTheNamesUsersWriteInAnyCase() {
        assertThat(ConnectionMode.parse("tunnel")).isEqualTo(ConnectionMode.TUNNEL);
        assertThat(ConnectionMode.parse(" Direct ")).isEqualTo(ConnectionMode.DIRECT);
        assertThat(ConnectionMode.DIRECT.toString()).isEqualTo("direct");
    }

    @Test
    void listsTheAcceptedValuesWhenItCannotParse() {
        assertThatThrownBy(() -> ConnectionMode.parse(null)).isInstanceOf(InvalidInputException.class)
            .hasMessage("connection mode: 'null' is not one of tunnel, direct");
    }
}
