package io.jenkins.plugins.kubepodenv;

import com.cloudbees.hudson.plugins.folder.AbstractFolder;
import hudson.model.AbstractProject;
import hudson.model.ItemGroup;
import hudson.model.Job;
import io.kubepodenv.engine.config.SettingsLayer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects a job's configuration levels, most general first, for {@link io.kubepodenv.engine.config.SettingsResolver}. */
final class SettingsLevels {
    private SettingsLevels() {
    }

    static List<SettingsLayer> of(Job<?, ?> job) {
        List<SettingsLayer> levels = of(job.getParent());
        KubePodEnvJobProperty jp = job.getProperty(KubePodEnvJobProperty.class);
        if (jp != null && jp.getSettings() != null) {
            boolean trusted = isTrusted(job);
            levels.add(jp.getSettings().toLayer("job '" + job.getFullName() + "'"
                + (trusted ? "" : " (a Pipeline job, whose properties the Jenkinsfile can set)"), trusted));
        }
        return levels;
    }

    /** Only UI-configured jobs are trusted with the cluster and template; a Jenkinsfile can set a Pipeline job's properties. */
    static boolean isTrusted(Job<?, ?> job) {
        return job instanceof AbstractProject<?, ?>;
    }

    /** The levels of a folder (global, then the folders from the outermost in, {@code group} included). */
    static List<SettingsLayer> of(ItemGroup<?> group) {
        List<SettingsLayer> levels = new ArrayList<>();
        KubePodEnvSettings global = KubePodEnvConfiguration.get().getSettings();
        levels.add(global == null ? SettingsLayer.configuration(KubePodEnvConfiguration.ORIGIN)
            : global.toLayer(KubePodEnvConfiguration.ORIGIN, true));
        List<SettingsLayer> folders = new ArrayList<>();
        ItemGroup<?> parent = group;
        while (parent instanceof AbstractFolder<?> folder) {
            KubePodEnvFolderProperty p = folder.getProperties().get(KubePodEnvFolderProperty.class);
            if (p != null && p.getSettings() != null) {
                folders.add(p.getSettings().toLayer("folder '" + folder.getFullName() + "'", true));
            }
            parent = folder.getParent();
        }
        Collections.reverse(folders);
        levels.addAll(folders);
        return levels;
    }
}
