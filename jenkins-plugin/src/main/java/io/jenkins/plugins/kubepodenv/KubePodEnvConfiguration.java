package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.util.FormValidation;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.InvalidInputException;
import java.time.Duration;
import java.util.Optional;
import jenkins.model.GlobalConfiguration;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;
import net.sf.json.JSONObject;
import jenkins.model.Jenkins;

/**
 * The global defaults (Manage Jenkins > System > kube-pod-env), also the Configuration as Code key
 * {@code unclassified.kubePodEnv}.
 */
@Extension
@Symbol("kubePodEnv")
public class KubePodEnvConfiguration extends GlobalConfiguration {
    static final String ORIGIN = "global configuration";

    static final int DEFAULT_RECONCILE_MINUTES = 15;

    private KubePodEnvSettings settings;
    /** Minutes between two reconciliations; 0 (unset): the default. */
    private int reconcileMinutes;
    /** Environments older than this are deleted even while their jobs live; blank: no limit. */
    private String maxAge;

    public KubePodEnvConfiguration() {
        load();
    }

    public static KubePodEnvConfiguration get() {
        return ExtensionList.lookupSingleton(KubePodEnvConfiguration.class);
    }

    public KubePodEnvSettings getSettings() {
        return settings;
    }

    @DataBoundSetter
    public void setSettings(KubePodEnvSettings settings) {
        this.settings = settings;
        save();
    }

    public int getReconcileMinutes() {
        return reconcileMinutes <= 0 ? DEFAULT_RECONCILE_MINUTES : reconcileMinutes;
    }

    @DataBoundSetter
    public void setReconcileMinutes(int reconcileMinutes) {
        this.reconcileMinutes = Math.max(0, reconcileMinutes);
        save();
    }

    public String getMaxAge() {
        return maxAge;
    }

    @DataBoundSetter
    public void setMaxAge(String maxAge) {
        this.maxAge = maxAge == null || maxAge.isBlank() ? null : maxAge.strip();
        save();
    }

    Duration reconcilePeriod() {
        return Duration.ofMinutes(getReconcileMinutes());
    }

    /** The maximum age; empty when unset or invalid (an invalid value is reported by the form, and logged here). */
    Optional<Duration> maxAgeDuration() {
        if (maxAge == null) {
            return Optional.empty();
        }
        try {
            Duration d = Durations.parse("maximum age", maxAge);
            return d.isNegative() || d.isZero() ? Optional.empty() : Optional.of(d);
        } catch (InvalidInputException e) {
            EnvironmentCleanup.LOGGER.warning(() -> "kube-pod-env: " + e.getMessage() + "; no maximum age applies");
            return Optional.empty();
        }
    }

    /**
     * Binds the form by hand: an unchecked optional section sends no key at all (and binding onto this instance sets
     * only the keys sent, so settings once made could never be removed), and the nested settings must go through their
     * descriptor, which keeps a drop-down's "inherit" null.
     */
    @Override
    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        String minutes = json.optString("reconcileMinutes", "").strip();
        int newMinutes;
        try {
            newMinutes = minutes.isEmpty() ? 0 : Math.max(0, Integer.parseInt(minutes));
        } catch (NumberFormatException e) {
            throw new FormException("reconcile every: '" + minutes + "' is not a number of minutes", "reconcileMinutes");
        }
        JSONObject form = json.optJSONObject("settings");
        KubePodEnvSettings newSettings = form == null ? null
            : Jenkins.get().getDescriptorByType(KubePodEnvSettings.DescriptorImpl.class).newInstance(req, form);
        String age = json.optString("maxAge", "");
        // Everything is checked before anything changes: a bad field leaves the saved configuration as it was.
        settings = newSettings;
        reconcileMinutes = newMinutes;
        maxAge = age.isBlank() ? null : age.strip();
        save();
        return true;
    }

    @POST
    public FormValidation doCheckMaxAge(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        if (value == null || value.isBlank()) {
            return FormValidation.ok();
        }
        try {
            Duration d = Durations.parse("maximum age", value.strip());
            return d.isNegative() || d.isZero() ? FormValidation.error("must be positive")
                : FormValidation.ok("environments older than " + Durations.format(d) + " are deleted, even while "
                    + "their pull request is open");
        } catch (InvalidInputException e) {
            return FormValidation.error(e.getMessage());
        }
    }

    @POST
    public FormValidation doCheckReconcileMinutes(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        try {
            return Integer.parseInt(value.strip()) >= 1 ? FormValidation.ok()
                : FormValidation.error("at least 1 minute");
        } catch (RuntimeException e) {
            return FormValidation.error("a number of minutes");
        }
    }

    @Override
    public String getDisplayName() {
        return "kube-pod-env";
    }
}
