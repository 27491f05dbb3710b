package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.hudson.plugins.folder.Folder;
import hudson.model.FreeStyleProject;
import org.htmlunit.html.HtmlCheckBoxInput;
import org.htmlunit.html.HtmlForm;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * What the configuration forms bind, through the real Stapler and Jelly: "inherit" stays null at every level, an
 * unchecked override goes away, and the job property survives a save.
 */
@WithJenkins
class KubePodEnvFormsTest {

    @Test
    void savingTheGlobalFormKeepsAnInheritedApplyMethodNull(JenkinsRule j) throws Exception {
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setServerUrl("https://k8s.example.com:6443");
        s.setNamespace("ci");
        KubePodEnvConfiguration.get().setSettings(s);

        j.configRoundtrip();

        KubePodEnvSettings saved = KubePodEnvConfiguration.get().getSettings();
        assertNull(saved.getServerSideApply(), "serverSideApply");
        assertEquals("ci", saved.getNamespace());
        j.assertEqualDataBoundBeans(s, saved);
    }

    @Test
    void uncheckingTheGlobalSettingsRemovesThem(JenkinsRule j) throws Exception {
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setServerUrl("https://k8s.example.com:6443");
        KubePodEnvConfiguration.get().setSettings(s);
        HtmlForm form = j.createWebClient().goTo("configure").getFormByName("config");
        HtmlCheckBoxInput enabled = form.getInputByName("_.settings");
        assertTrue(enabled.isChecked());

        enabled.setChecked(false);
        j.submit(form);

        assertNull(KubePodEnvConfiguration.get().getSettings());
    }

    @Test
    void savingAFreestyleJobKeepsTheWrappersInheritedKeepNull(JenkinsRule j) throws Exception {
        FreeStyleProject p = j.createFreeStyleProject();
        KubePodEnvBuildWrapper w = new KubePodEnvBuildWrapper();
        w.setStorageSize(8.0);
        p.getBuildWrappersList().add(w);

        j.configRoundtrip(p);

        KubePodEnvBuildWrapper saved = p.getBuildWrappersList().get(KubePodEnvBuildWrapper.class);
        assertNull(saved.getKeep(), "keep");
        j.assertEqualDataBoundBeans(w, saved);
    }

    @Test
    void theSnippetGeneratorLeavesInheritedChoicesOut(JenkinsRule j) throws Exception {
        new SnippetizerTester(j).assertGenerateSnippet("{'stapler-class': '" + KubePodEnvBuildWrapper.class.getName()
            + "', 'namespace': 'ci', 'keep': '', 'serverSideApply': '', 'connectionMode': '', 'storageSize': ''}",
            "withKubePodEnv(namespace: 'ci') {\n    // some block\n}", null);
    }

    @Test
    void theSnippetGeneratorWritesAChosenKeep(JenkinsRule j) throws Exception {
        new SnippetizerTester(j).assertGenerateSnippet("{'stapler-class': '" + KubePodEnvBuildWrapper.class.getName()
            + "', 'keep': 'false', 'serverSideApply': '', 'connectionMode': 'direct'}",
            "withKubePodEnv(connectionMode: 'direct', keep: false) {\n    // some block\n}", null);
    }

    @Test
    void aFolderSavedWithoutTheOverrideHasNoProperty(JenkinsRule j) throws Exception {
        Folder team = j.createProject(Folder.class, "team");

        j.configRoundtrip(team);

        assertNull(team.getProperties().get(KubePodEnvFolderProperty.class));
        assertTrue(EnvironmentCleanup.allTargets().isEmpty(), "no cluster is configured anywhere");
    }

    @Test
    void aFolderOverrideSurvivesASave(JenkinsRule j) throws Exception {
        Folder team = j.createProject(Folder.class, "team");
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setNamespace("team");
        team.getProperties().add(new KubePodEnvFolderProperty(s));

        j.configRoundtrip(team);

        KubePodEnvFolderProperty saved = team.getProperties().get(KubePodEnvFolderProperty.class);
        assertNotNull(saved);
        assertEquals("team", saved.getSettings().getNamespace());
        assertNull(saved.getSettings().getServerSideApply());
    }

    @Test
    void aJobPropertySurvivesASaveOfTheJobsForm(JenkinsRule j) throws Exception {
        FreeStyleProject p = j.createFreeStyleProject();
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setNamespace("job-ns");
        p.addProperty(new KubePodEnvJobProperty(s));

        j.configRoundtrip(p);

        KubePodEnvJobProperty saved = p.getProperty(KubePodEnvJobProperty.class);
        assertNotNull(saved, "the property is still there");
        assertEquals("job-ns", saved.getSettings().getNamespace());
    }

    @Test
    void aJobPropertyCanBeAddedFromTheJobsForm(JenkinsRule j) throws Exception {
        FreeStyleProject p = j.createFreeStyleProject("added");
        HtmlForm form = j.createWebClient().getPage(p, "configure").getFormByName("config");
        String title = j.jenkins.getDescriptorByType(KubePodEnvJobProperty.DescriptorImpl.class).getDisplayName();
        HtmlCheckBoxInput specified = form.getInputsByName("specified").stream()
            .map(HtmlCheckBoxInput.class::cast)
            .filter(c -> c.getParentNode().asNormalizedText().contains(title)
                || c.getNextSibling() != null && c.getNextSibling().asNormalizedText().contains(title))
            .findFirst().orElseThrow(() -> new AssertionError("no checkbox for '" + title + "' on the job's form"));

        specified.setChecked(true);
        j.submit(form);

        assertNotNull(p.getProperty(KubePodEnvJobProperty.class));
    }
}
