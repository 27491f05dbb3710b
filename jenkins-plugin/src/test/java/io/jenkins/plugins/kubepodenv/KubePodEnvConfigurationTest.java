package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.hudson.plugins.folder.Folder;
import io.jenkins.plugins.casc.ConfigurationContext;
import io.jenkins.plugins.casc.ConfiguratorRegistry;
import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.Util;
import io.jenkins.plugins.casc.model.CNode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;
import io.kubepodenv.engine.config.SettingsLayer;
import java.util.List;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.junit.jupiter.api.Test;

@WithJenkinsConfiguredWithCode
class KubePodEnvConfigurationTest {

    @Test
    @ConfiguredWithCode("casc.yaml")
    void configurationAsCodeSetsTheGlobalDefaults(JenkinsConfiguredWithCodeRule j) {
        KubePodEnvSettings s = KubePodEnvConfiguration.get().getSettings();
        assertEquals("https://k8s.example.com:6443", s.getServerUrl());
        assertEquals("k8s-token", s.getCredentialsId());
        assertEquals("ci", s.getNamespace());
        assertEquals("10", s.getStorageSize());
        assertTrue(s.getTemplate().contains("kind: StatefulSet"));
    }

    @Test
    @ConfiguredWithCode("casc.yaml")
    void configurationAsCodeExportsTheGlobalDefaultsWithoutInheritedValues(JenkinsConfiguredWithCodeRule j)
        throws Exception {
        ConfigurationContext context = new ConfigurationContext(ConfiguratorRegistry.get());
        CNode node = Util.getUnclassifiedRoot(context).get("kubePodEnv");

        String yaml = Util.toYamlString(node);

        assertTrue(yaml.contains("serverUrl: \"https://k8s.example.com:6443\""), yaml);
        assertTrue(yaml.contains("kind: StatefulSet"), yaml);
        assertFalse(yaml.contains("serverSideApply"), yaml);
    }

    @Test
    @ConfiguredWithCode("casc.yaml")
    void theFormRoundTripsTheGlobalDefaults(JenkinsConfiguredWithCodeRule j) throws Exception {
        KubePodEnvSettings before = KubePodEnvConfiguration.get().getSettings();
        j.configRoundtrip();
        j.assertEqualDataBoundBeans(before, KubePodEnvConfiguration.get().getSettings());
    }

    @Test
    @ConfiguredWithCode("casc.yaml")
    void theFormRoundTripsTheMaximumIdleTime(JenkinsConfiguredWithCodeRule j) throws Exception {
        KubePodEnvConfiguration.get().getSettings().setMaxIdle("7d");
        j.configRoundtrip();
        assertEquals("7d", KubePodEnvConfiguration.get().getSettings().getMaxIdle());
        assertNull(KubePodEnvConfiguration.get().getSettings().getSleepAfter());
    }

    @Test
    @ConfiguredWithCode("casc.yaml")
    void aFolderOverridesTheGlobalDefaultsForItsJobs(JenkinsConfiguredWithCodeRule j) throws Exception {
        Folder team = j.createProject(Folder.class, "team");
        KubePodEnvSettings folder = new KubePodEnvSettings();
        folder.setNamespace("team");
        team.getProperties().add(new KubePodEnvFolderProperty(folder));
        j.configRoundtrip(team);
        WorkflowJob job = team.createProject(WorkflowJob.class, "app");

        List<SettingsLayer> levels = SettingsLevels.of(job);

        assertEquals(2, levels.size());
        assertEquals("folder 'team'", levels.get(1).origin());
        assertEquals("team", levels.get(1).namespace());
        assertNull(levels.get(1).cluster());
    }

    @Test
    @ConfiguredWithCode("casc.yaml")
    void aPipelineJobPropertyIsNotTrustedWithTheTemplate(JenkinsConfiguredWithCodeRule j) throws Exception {
        WorkflowJob job = j.createProject(WorkflowJob.class, "app");
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setTemplate("apiVersion: v1\nkind: ConfigMap\n");
        job.addProperty(new KubePodEnvJobProperty(s));

        SettingsLayer jobLevel = SettingsLevels.of(job).get(1);

        assertEquals(false, jobLevel.trusted());
    }
}
