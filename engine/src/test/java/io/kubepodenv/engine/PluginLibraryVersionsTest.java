package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * In Jenkins the engine runs on the fabric8 of the kubernetes-client-api plugin and the Jackson of the jackson2-api
 * plugin that jenkins-plugin/pom.xml pins; these tests fail as soon as the engine is built against other versions.
 */
class PluginLibraryVersionsTest {
    private static final Path PLUGIN_POM = Path.of("..", "jenkins-plugin", "pom.xml");

    @Test
    void theEngineIsBuiltAgainstTheFabric8ThePluginsKubernetesClientApiShips() throws IOException {
        assertThat(io.fabric8.kubernetes.client.Version.clientVersion())
            .isEqualTo(libraryVersion(pluginProperty("kubernetes-client-api.version")));
    }

    @Test
    void theEngineIsBuiltAgainstTheJacksonThePluginsJackson2ApiShips() throws IOException {
        assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString())
            .isEqualTo(libraryVersion(pluginProperty("jackson2-api.version")));
    }

    /** An API plugin's version is the library's version, a dash and the plugin's own build. */
    private static String libraryVersion(String pluginVersion) {
        return pluginVersion.substring(0, pluginVersion.indexOf('-'));
    }

    private static String pluginProperty(String name) throws IOException {
        String pom = Files.readString(PLUGIN_POM);
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as("%s declares <%s>", PLUGIN_POM, name).isTrue();
        return m.group(1).strip();
    }
}
