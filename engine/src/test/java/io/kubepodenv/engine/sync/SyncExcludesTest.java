package io.kubepodenv.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SyncExcludesTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node_modules       | node_modules/a/b.js    | true",
        "node_modules       | src/node_modules       | false",
        "**/node_modules    | src/node_modules/x     | true",
        "*.log              | a.log                  | true",
        "*.log              | dir/a.log              | false",
        "/build/            | build/out              | true",
        "src/*/gen          | src/a/gen/x.c          | true",
        "src/?.c            | src/a.c                | true",
        "src/[ab].c         | src/c.c                | false",
        "# a comment        | # a comment            | false",
    })
    void matchesLikeDockerignore(String pattern, String path, boolean excluded) {
        assertThat(SyncExcludes.of(List.of(pattern), List.of()).excludes(path)).isEqualTo(excluded);
    }

    @Test
    void theLastMatchingPatternDecidesAndBangTakesBack() {
        SyncExcludes e = SyncExcludes.of(List.of("logs/*", "!logs/keep.log"), List.of());
        assertThat(e.excludes("logs/a.log")).isTrue();
        assertThat(e.excludes("logs/keep.log")).isFalse();
    }

    @Test
    void gitIsAlwaysLeftOutAtAnyDepth() {
        SyncExcludes e = SyncExcludes.of(List.of(), List.of());
        assertThat(e.excludes(".git/config")).isTrue();
        assertThat(e.excludes("modules/lib/.git")).isTrue();
        assertThat(e.excludes(".github/workflows/ci.yml")).isFalse();
    }

    @Test
    void optionPatternsComeAfterTheIgnoreFile() {
        SyncExcludes e = SyncExcludes.of(List.of("!dist"), List.of("dist"));
        assertThat(e.excludes("dist/a.js")).isTrue();
    }

    @Test
    void anUnclosedBracketIsBadInputNamingThePattern() {
        assertThatThrownBy(() -> SyncExcludes.check("src/[ab.c"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'src/[ab.c'");
    }
}
